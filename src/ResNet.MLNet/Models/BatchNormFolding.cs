using ResNet.MLNet.Models.Classic;
using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Modules;

namespace ResNet.MLNet.Models;

/// <summary>
/// The batch-norm folding, for inference: every BN that reads a convolution's output alone becomes part of that
/// convolution, <c>W' = W·s</c>, <c>b' = (b − μ)·s + β</c> with <c>s = γ/√(σ²+ε)</c> per output channel, so that
/// <c>conv'(x) = bn(conv(x))</c> in evaluation mode. BNs that read anything else (a sum, a block input shared with
/// the shortcut) stay. It runs on a copy: the libtorch <see cref="Engine.Scorer"/> runs the folded copy and the
/// ONNX exporter writes it, so both see the same network.
/// </summary>
public static class BatchNormFolding
{
    /// <summary>
    /// A folded evaluation-mode copy of a network this library builds (<see cref="ResNet"/>, <see cref="ClassicNet"/>),
    /// on the CPU; null for any other module, and for one whose modules were changed after it was built (the copy is
    /// rebuilt from its spec). <paramref name="model"/> is only read.
    /// </summary>
    public static Module? FoldedCopy(Module model)
    {
        Module? copy;
        using (Init.Skip()) // the strict state-dict load below overwrites every parameter and buffer
            copy = model switch
            {
                ResNet net => ResNetBuilder.Build(net.Spec),
                ClassicNet net => ClassicNetBuilder.Build(net.Spec),
                _ => null,
            };
        if (copy == null) return null;
        if (!SameModules(copy, model))
        {
            copy.Dispose();
            return null;
        }
        try
        {
            using (Autograd.NoGrad())
            {
                copy.LoadStateDict(model.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value));
                FoldWithin(copy);
            }
            copy.Eval();
            return copy;
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }

    private static bool SameModules(Module a, Module b) =>
        a.NamedModules().Select(m => (m.Key, m.Value.GetType())).SequenceEqual(b.NamedModules().Select(m => (m.Key, m.Value.GetType())));

    /// <summary>Folds, in place, every BN inside <paramref name="module"/> that reads a convolution inside it alone.</summary>
    internal static void FoldWithin(Module module)
    {
        switch (module)
        {
            case ResNet net: net.FoldBatchNorms(); break;
            case ClassicNet net: FoldWithin(net.Features); break;
            case ResidualBlock block: block.FoldBatchNorms(); break;
            case Sequential sequence: FoldSequence(sequence); break;
        }
    }

    private static void FoldSequence(Sequential sequence)
    {
        foreach (var layer in sequence.Layers) FoldWithin(layer);
        for (int i = 1; i < sequence.Layers.Count; i++)
            FoldAcross(sequence.Layers[i - 1], sequence.Layers[i], identity => sequence.Replace(i, identity).Dispose());
    }

    /// <summary>
    /// Folds the BN that <paramref name="consumer"/> applies first to its input into the convolution that produces
    /// <paramref name="producer"/>'s output, where both exist; a bare <see cref="BatchNorm2d"/> consumer is then
    /// handed to <paramref name="replaceConsumer"/> to be swapped for an identity.
    /// </summary>
    internal static void FoldAcross(Module producer, Module consumer, Action<Identity> replaceConsumer)
    {
        switch (consumer)
        {
            case BatchNorm2d norm when OutputConv(producer) is { } conv:
                Absorb(conv, norm);
                replaceConsumer(new Identity());
                break;
            case ResidualBlock { InputNorm: { } norm } block when OutputConv(producer) is { } conv:
                Absorb(conv, norm);
                block.DropInputNorm();
                break;
            case Sequential { Layers.Count: > 0 } sequence:
                FoldAcross(producer, sequence.Layers[0], identity => sequence.Replace(0, identity).Dispose());
                break;
        }
    }

    private static Conv2d? OutputConv(Module module) => module switch
    {
        Conv2d conv => conv,
        ResidualBlock block => block.OutputConv,
        Sequential sequence => sequence.Layers.LastOrDefault(l => l is not Identity) is { } last ? OutputConv(last) : null,
        _ => null,
    };

    /// <summary>Folds <paramref name="norm"/>, which reads <paramref name="conv"/>'s output alone, into it.</summary>
    internal static void Absorb(Conv2d conv, BatchNorm2d norm)
    {
        if (norm.NumFeatures != conv.OutChannels)
            throw new ArgumentException($"cannot fold BatchNorm2d({norm.NumFeatures}) into Conv2d with {conv.OutChannels} output channels");
        using var noGrad = Autograd.NoGrad();
        using var scope = TensorScope.Begin();
        var dtype = conv.Weight.DType;
        // double precision, so that folding adds no rounding beyond the final cast
        var scale = F64(norm.Weight).Div(F64(norm.RunningVar).Add(norm.Eps).Sqrt());
        var weight = F64(conv.Weight).Mul(scale.Reshape(-1, 1, 1, 1));
        var shift = conv.Bias is { } b ? F64(b).Sub(F64(norm.RunningMean)) : -F64(norm.RunningMean);
        var bias = shift.Mul(scale).Add(F64(norm.Bias));
        conv.Weight.SetData(weight.To(dtype).Contiguous());
        conv.SetBias(bias.To(dtype));
    }

    private static Tensor F64(Tensor t) => t.Detach().To(DType.Float64);
}

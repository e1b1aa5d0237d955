using ResNet.MLNet.Models;
using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Modules;

namespace ResNet.MLNet.Engine;

/// <summary>
/// Batched inference: in inference mode, with channels-last inputs and weights and, for a network this library builds,
/// batch normalisation folded into the convolutions (<see cref="BatchNormFolding.FoldedCopy"/>: a copy, so the model
/// passed in is never modified and training it further does not affect this scorer). Other modules are run as they
/// are, in evaluation mode.
/// </summary>
public sealed class Scorer : IDisposable
{
    private readonly Module _net;
    private readonly bool _ownsNet;
    private readonly bool _channelsLast;

    /// <summary>Where scoring runs.</summary>
    public Device Device { get; }

    /// <summary>Images per forward pass when a larger batch is given. Default 256.</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>Whether batch normalisation was folded into the convolutions.</summary>
    public bool IsFolded => _ownsNet;

    /// <summary>Prepares to score with <paramref name="model"/> on <paramref name="device"/> (default: the CPU), channels-last
    /// unless <paramref name="channelsLast"/> is false.</summary>
    public Scorer(Module model, Device? device = null, bool channelsLast = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        Device = device ?? Device.Cpu;
        _channelsLast = channelsLast;
        var folded = BatchNormFolding.FoldedCopy(model);
        if (folded != null)
        {
            folded.To(Device);
            if (_channelsLast) folded.ToChannelsLast();
        }
        (_net, _ownsNet) = folded != null ? (folded, true) : (model, false);
    }

    /// <summary>Logits (N, classes) of a float (N, C, H, W) batch, on the scorer's device; the caller's scope owns them.</summary>
    public Tensor Logits(Tensor images)
    {
        var shape = images.Shape;
        if (shape.Length != 4) throw new ArgumentException($"Scorer expects (N, C, H, W) images, got shape [{string.Join(", ", shape)}]");
        using var inference = Autograd.InferenceMode();
        Tensor result;
        using (var scope = TensorScope.Begin())
        {
            var chunks = new List<Tensor>();
            for (long start = 0; start < shape[0]; start += BatchSize)
                chunks.Add(Forward(images.Slice(0, start, Math.Min(shape[0], start + BatchSize))));
            result = chunks.Count == 1 ? chunks[0] : Tensor.Cat(chunks, 0);
            result.MoveToOuterScope();
        }
        return result;
    }

    /// <summary>Softmax probabilities of a float (N, C, H, W) batch, row-major (N × classes).</summary>
    public float[] Probabilities(Tensor images)
    {
        using var scope = TensorScope.Begin();
        using var inference = Autograd.InferenceMode();
        return Logits(images).Softmax(1).ToArray<float>();
    }

    private Tensor Forward(Tensor batch)
    {
        var x = DeviceBatch.Images(batch, Device, _channelsLast);
        if (_ownsNet) return _net.Forward(x);
        bool wasTraining = _net.IsTraining;
        _net.Eval();
        try { return _net.Forward(x); }
        finally { _net.Train(wasTraining); }
    }

    /// <summary>Frees the folded copy (the source model is not touched).</summary>
    public void Dispose()
    {
        if (_ownsNet) _net.Dispose();
    }
}

using ResNet.MLNet.Models;
using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Modules;

namespace ResNet.MLNet.Engine;

/// <summary>
/// A convolution with a batch normalisation folded into it, for inference: <c>W' = W·γ/√(σ²+ε)</c> and
/// <c>b' = β + (b − μ)·γ/√(σ²+ε)</c>, so <c>conv'(x) = bn(conv(x))</c> in evaluation mode. Holds its own copies
/// (the source layers are never modified), stored channels-last on the target device.
/// </summary>
public sealed class FoldedConv : Module
{
    private readonly Tensor _weight, _bias;
    private readonly int _stride, _padding, _dilation, _groups;

    /// <summary>Folds <paramref name="norm"/> into <paramref name="conv"/>.</summary>
    public FoldedConv(Conv2d conv, BatchNorm2d norm, Device device, bool channelsLast)
    {
        if (norm.NumFeatures != conv.OutChannels)
            throw new ArgumentException($"cannot fold BatchNorm2d({norm.NumFeatures}) into Conv2d with {conv.OutChannels} output channels");
        (_stride, _padding, _dilation, _groups) = (conv.Stride, conv.Padding, conv.Dilation, conv.Groups);
        using var noGrad = Autograd.NoGrad();
        using var scope = TensorScope.Begin();
        var scale = norm.Weight.Detach().Div(norm.RunningVar.Add(norm.Eps).Sqrt());
        var weight = conv.Weight.Detach().Mul(scale.Reshape(-1, 1, 1, 1));
        var shift = conv.Bias is { } b ? b.Detach().Sub(norm.RunningMean) : -norm.RunningMean;
        var bias = norm.Bias.Detach().Add(shift.Mul(scale));
        weight = weight.To(device);
        _weight = RegisterBuffer("weight", (channelsLast ? weight.Contiguous(MemoryFormat.ChannelsLast) : weight.Contiguous()).Clone());
        _bias = RegisterBuffer("bias", bias.To(device).Contiguous().Clone());
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => F.Conv2d(input, _weight, _bias, _stride, _padding, _dilation, _groups);
}

/// <summary>A frozen copy of a fully connected layer on the target device.</summary>
public sealed class FrozenLinear : Module
{
    private readonly Tensor _weight;
    private readonly Tensor? _bias;

    /// <summary>Copies <paramref name="linear"/>.</summary>
    public FrozenLinear(Linear linear, Device device)
    {
        using var scope = TensorScope.Begin();
        _weight = RegisterBuffer("weight", linear.Weight.Detach().To(device).Clone());
        if (linear.Bias is { } b) _bias = RegisterBuffer("bias", b.Detach().To(device).Clone());
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => F.Linear(input, _weight, _bias);
}

/// <summary>A residual unit after folding: the branch's folded convolutions with ReLU between them, plus the shortcut.</summary>
public sealed class FoldedResidualUnit : Module
{
    private readonly FoldedConv[] _branch;
    private readonly Module? _shortcut;

    /// <summary>Creates the unit from its folded branch and shortcut (null for identity).</summary>
    public FoldedResidualUnit(FoldedConv[] branch, Module? shortcut)
    {
        _branch = branch;
        for (int i = 0; i < branch.Length; i++) RegisterModule("conv" + (i + 1), branch[i]);
        if (shortcut != null) _shortcut = RegisterModule("downsample", shortcut);
    }

    /// <summary>Folds a <see cref="BasicBlock"/>.</summary>
    public static FoldedResidualUnit From(BasicBlock block, Device device, bool channelsLast) => new(
        new[] { new FoldedConv(block.Conv1, block.Bn1, device, channelsLast), new FoldedConv(block.Conv2, block.Bn2, device, channelsLast) },
        Shortcut(block.Downsample, block.Conv1.InChannels, block.Conv2.OutChannels, block.Conv1.Stride, device, channelsLast));

    /// <summary>Folds a <see cref="BottleneckBlock"/>.</summary>
    public static FoldedResidualUnit From(BottleneckBlock block, Device device, bool channelsLast) => new(
        new[]
        {
            new FoldedConv(block.Conv1, block.Bn1, device, channelsLast), new FoldedConv(block.Conv2, block.Bn2, device, channelsLast),
            new FoldedConv(block.Conv3, block.Bn3, device, channelsLast),
        },
        Shortcut(block.Downsample, block.Conv1.InChannels, block.Conv3.OutChannels, block.Conv2.Stride, device, channelsLast));

    private static Module? Shortcut(Module? downsample, int inChannels, int outChannels, int stride, Device device, bool channelsLast) => downsample switch
    {
        null => null,
        ZeroPadShortcut => new ZeroPadShortcut(inChannels, outChannels, stride),
        Sequential { Layers: [Conv2d conv, BatchNorm2d bn] } => new FoldedConv(conv, bn, device, channelsLast),
        _ => throw new NotSupportedException($"cannot fold a shortcut of type {downsample.GetType().Name}"),
    };

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        var x = input;
        for (int i = 0; i < _branch.Length; i++)
        {
            x = _branch[i].Forward(x);
            if (i < _branch.Length - 1) x = x.ReluInPlace();
        }
        var identity = _shortcut?.Forward(input) ?? input;
        return x.AddInPlace(identity).ReluInPlace();
    }
}

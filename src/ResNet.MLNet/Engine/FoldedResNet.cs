using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Modules;

namespace ResNet.MLNet.Engine;

/// <summary>
/// An inference-only copy of a <see cref="Models.ResNet"/> with every batch normalisation folded into the convolution
/// before it (see <see cref="FoldedConv"/>): same outputs as the source in evaluation mode, fewer passes over memory.
/// The source model is not modified and may be disposed afterwards.
/// </summary>
public sealed class FoldedResNet : Module
{
    private readonly FoldedConv _stem;
    private readonly MaxPool2d? _maxPool;
    private readonly FoldedResidualUnit[] _units;
    private readonly FrozenLinear _fc;

    /// <summary>Input channels expected.</summary>
    public int InChannels { get; }

    private FoldedResNet(FoldedConv stem, MaxPool2d? maxPool, FoldedResidualUnit[] units, FrozenLinear fc, int inChannels)
    {
        _stem = RegisterModule("conv1", stem);
        if (maxPool != null) _maxPool = RegisterModule("maxpool", maxPool);
        _units = units;
        for (int i = 0; i < units.Length; i++) RegisterModule("unit" + i, units[i]);
        _fc = RegisterModule("fc", fc);
        InChannels = inChannels;
        Eval();
    }

    /// <summary>Folds <paramref name="model"/>, or returns null when it contains a layer this folding does not know.</summary>
    public static FoldedResNet? TryFold(Module model, Device device, bool channelsLast)
    {
        if (model is not Models.ResNet net) return null;
        var children = net.NamedChildren().ToDictionary(kv => kv.Key, kv => kv.Value);
        if (children.GetValueOrDefault("conv1") is not Conv2d conv1 || children.GetValueOrDefault("bn1") is not BatchNorm2d bn1) return null;
        var units = new List<FoldedResidualUnit>();
        foreach (var stage in net.Stages)
            foreach (var layer in stage.Layers)
            {
                switch (layer)
                {
                    case Models.BasicBlock b: units.Add(FoldedResidualUnit.From(b, device, channelsLast)); break;
                    case Models.BottleneckBlock b: units.Add(FoldedResidualUnit.From(b, device, channelsLast)); break;
                    default:
                        foreach (var u in units) u.Dispose();
                        return null;
                }
            }
        MaxPool2d? maxPool = net.Spec.Stem == Models.StemKind.ImageNet ? new MaxPool2d(3, 2, 1) : null;
        return new FoldedResNet(new FoldedConv(conv1, bn1, device, channelsLast), maxPool, units.ToArray(),
            new FrozenLinear(net.Fc, device), net.Spec.InChannels);
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        var x = _stem.Forward(input).ReluInPlace();
        if (_maxPool != null) x = _maxPool.Forward(x);
        foreach (var unit in _units) x = unit.Forward(x);
        return _fc.Forward(F.AdaptiveAvgPool2d(x, 1, 1).Flatten(1));
    }
}

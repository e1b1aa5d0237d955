using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Modules;

namespace ResNet.MLNet.Models;

/// <summary>
/// A residual network built by <see cref="ResNetBuilder"/> from a <see cref="ResNetSpec"/>. Child names follow
/// torchvision: <c>conv1</c>, <c>bn1</c>, <c>relu</c>, <c>maxpool</c> (ImageNet stem), <c>layer1</c>..<c>layerN</c>,
/// <c>avgpool</c>, <c>fc</c>; its state dict loads torchvision weights by name. A full pre-activation network adds
/// <c>norm</c> (the BN-ReLU after the last unit) before <c>avgpool</c>.
/// </summary>
public sealed class ResNet : Module
{
    private readonly Module _conv1, _relu, _avgpool;
    private readonly Module? _maxpool;
    private Module _bn1; // an Identity once folded into conv1
    private Module? _finalNorm;
    private readonly bool _finalRelu;
    private readonly Sequential[] _stages;

    /// <summary>The description this network was built from.</summary>
    public ResNetSpec Spec { get; }

    /// <summary>The classifier.</summary>
    public Linear Fc { get; }

    /// <summary>The residual stages.</summary>
    public IReadOnlyList<Sequential> Stages => _stages;

    internal ResNet(ResNetSpec spec, Module conv1, Module bn1, Module? maxpool, Sequential[] stages, Module? finalNorm, bool finalRelu, Linear fc)
    {
        Spec = spec;
        _conv1 = RegisterModule("conv1", conv1);
        _bn1 = RegisterModule("bn1", bn1);
        _relu = RegisterModule("relu", new ReLU(inPlace: true));
        if (maxpool != null) _maxpool = RegisterModule("maxpool", maxpool);
        _stages = stages;
        for (int i = 0; i < stages.Length; i++) RegisterModule($"layer{i + 1}", stages[i]);
        if (finalNorm != null) _finalNorm = RegisterModule("norm", finalNorm);
        _finalRelu = finalRelu;
        _avgpool = RegisterModule("avgpool", new AdaptiveAvgPool2d(1, 1));
        Fc = RegisterModule("fc", fc);
    }

    /// <summary>Logits (N, classes) of an (N, C, H, W) float batch.</summary>
    public override Tensor Forward(Tensor input)
    {
        var features = Features(input);
        var logits = Fc.Forward(features);
        features.ReleaseIfTemporary();
        return logits;
    }

    /// <summary>The pooled features before the classifier (N, features).</summary>
    public Tensor Features(Tensor input)
    {
        CheckInput(input);
        return Features(new TensorOps(input), input);
    }

    /// <summary>The sequence of operations up to the pooled features, over tensors or graph values.</summary>
    internal T Features<T>(IForwardOps<T> ops, T input)
    {
        var x = ops.Run(_relu, ops.Run(_bn1, ops.Run(_conv1, input)));
        if (_maxpool != null) x = ops.Run(_maxpool, x);
        foreach (var stage in _stages) x = ops.Run(stage, x);
        if (_finalNorm != null) x = ops.Run(_finalNorm, x);
        if (_finalRelu) x = ops.Run(_relu, x);
        return ops.Flatten(ops.Run(_avgpool, x));
    }

    /// <summary>Folds every BN that reads a convolution alone into it, in place (see <see cref="BatchNormFolding"/>):
    /// inside the stem and each stage, <c>bn1</c> into the stem, and across stage boundaries and into the last stage
    /// where a plain pre-activation network allows.</summary>
    internal void FoldBatchNorms()
    {
        BatchNormFolding.FoldWithin(_conv1);
        foreach (var stage in _stages) BatchNormFolding.FoldWithin(stage);
        BatchNormFolding.FoldAcross(_conv1, _bn1, identity => _bn1 = Swap("bn1", identity));
        for (int s = 1; s < _stages.Length; s++)
            BatchNormFolding.FoldAcross(_stages[s - 1], _stages[s], _ => throw new InvalidOperationException("a stage is not a BatchNorm2d"));
        if (_finalNorm != null) BatchNormFolding.FoldAcross(_stages[^1], _finalNorm, identity => _finalNorm = Swap("norm", identity));
    }

    private Module Swap(string name, Module replacement)
    {
        ReplaceModule(name, replacement).Dispose();
        return replacement;
    }

    private void CheckInput(Tensor input)
    {
        var shape = input.Shape;
        if (shape.Length != 4)
            throw new ArgumentException($"{Spec.Name} expects a 4-D input (N, C, H, W), got shape [{string.Join(", ", shape)}]");
        if (shape[1] != Spec.InChannels)
            throw new ArgumentException($"{Spec.Name} expects {Spec.InChannels} input channel(s), got shape [{string.Join(", ", shape)}] with {shape[1]}");
    }
}

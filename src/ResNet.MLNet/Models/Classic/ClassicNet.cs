using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Modules;

namespace ResNet.MLNet.Models.Classic;

/// <summary>
/// A classic convolutional network: <c>features</c> (Sequential), optional <c>avgpool</c> (adaptive), flatten,
/// <c>classifier</c> (Sequential) — torchvision's AlexNet/VGG structure, so their state dicts load by name.
/// </summary>
public sealed class ClassicNet : Module
{
    private readonly Module? _avgpool;

    /// <summary>The description this network was built from.</summary>
    public ClassicNetSpec Spec { get; }

    /// <summary>The feature extractor.</summary>
    public Sequential Features { get; }

    /// <summary>The fully connected classifier.</summary>
    public Sequential Classifier { get; }

    internal ClassicNet(ClassicNetSpec spec, Sequential features, Module? avgpool, Sequential classifier)
    {
        Spec = spec;
        Features = RegisterModule("features", features);
        if (avgpool != null) _avgpool = RegisterModule("avgpool", avgpool);
        Classifier = RegisterModule("classifier", classifier);
    }

    /// <summary>Logits (N, classes) of an (N, C, H, W) float batch.</summary>
    public override Tensor Forward(Tensor input)
    {
        var shape = input.Shape;
        if (shape.Length != 4 || shape[1] != Spec.InChannels)
            throw new ArgumentException($"{Spec.Name} expects (N, {Spec.InChannels}, H, W) input, got shape [{string.Join(", ", shape)}]");
        if (_avgpool == null && (shape[2] != Spec.InputSize || shape[3] != Spec.InputSize))
            throw new ArgumentException($"{Spec.Name} expects {Spec.InputSize}×{Spec.InputSize} images, got shape [{string.Join(", ", shape)}]");
        if (_avgpool != null) Spec.FeatureShape((int)Math.Min(shape[2], shape[3]));
        return Apply(new TensorOps(input), input);
    }

    /// <summary>True when an adaptive pool sits between the features and the classifier (any input size works).</summary>
    internal bool PoolsAdaptively => _avgpool != null;

    // features, optional adaptive pool, flatten, classifier: run by Forward and written by the ONNX export
    internal T Apply<T>(IForwardOps<T> ops, T input)
    {
        var x = ops.Run(Features, input);
        if (_avgpool != null) x = ops.Run(_avgpool, x);
        return ops.Run(Classifier, ops.Flatten(x));
    }
}

namespace ResNet.MLNet.Models.Classic;

/// <summary>Where a classic network's classifier puts dropout.</summary>
public enum ClassifierStyle
{
    /// <summary>Linear and ReLU only (LeNet-5).</summary>
    Plain,
    /// <summary>Dropout before each hidden Linear (torchvision's AlexNet: Dropout, Linear, ReLU, ..., Linear).</summary>
    AlexNet,
    /// <summary>Dropout after each hidden ReLU (torchvision's VGG: Linear, ReLU, Dropout, ..., Linear).</summary>
    Vgg,
}

/// <summary>How a classic network's weights start.</summary>
public enum ClassicInit
{
    /// <summary>PyTorch's layer defaults (LeNet-5, torchvision's AlexNet).</summary>
    PyTorchDefault,
    /// <summary>torchvision's VGG: Kaiming normal (fan_out) convolutions with zero bias, BN γ = 1 and β = 0, Linear N(0, 0.01) with zero bias.</summary>
    Vgg,
}

/// <summary>
/// A classic (non-residual) convolutional network as data: feature layers, an optional adaptive average pool, and a
/// fully connected classifier. Built by <see cref="ClassicNetBuilder"/>; <see cref="ClassicZoo"/> holds LeNet-5,
/// AlexNet, VGG-16 and small-image variants.
/// </summary>
public sealed record ClassicNetSpec
{
    /// <summary>A display name, e.g. <c>vgg16</c>.</summary>
    public required string Name { get; init; }
    /// <summary>The feature extractor, in order.</summary>
    public required IReadOnlyList<FeatureLayer> Features { get; init; }
    /// <summary>Widths of the hidden fully connected layers, e.g. [4096, 4096].</summary>
    public required int[] Hidden { get; init; }
    /// <summary>Output size of the adaptive average pool (<c>avgpool</c>), or null for none.</summary>
    public int? PoolSize { get; init; }
    /// <summary>Input side length in pixels; needed (to size the first Linear) only when <see cref="PoolSize"/> is null.</summary>
    public int InputSize { get; init; } = 28;
    /// <summary>BN after every convolution (as torchvision's <c>vgg16_bn</c>).</summary>
    public bool BatchNorm { get; init; }
    /// <summary>Where dropout goes in the classifier.</summary>
    public ClassifierStyle Classifier { get; init; } = ClassifierStyle.Plain;
    /// <summary>Dropout probability in the classifier.</summary>
    public double Dropout { get; init; } = 0.5;
    /// <summary>Weight initialisation.</summary>
    public ClassicInit Init { get; init; } = ClassicInit.PyTorchDefault;
    /// <summary>Input image channels.</summary>
    public int InChannels { get; init; } = 3;
    /// <summary>Output classes.</summary>
    public int NumClasses { get; init; } = 1000;

    /// <summary>The number of weighted layers (convolutions and Linear layers).</summary>
    public int WeightedLayers => Features.Count(f => f is ConvLayer) + Hidden.Length + 1;

    /// <summary>Channels and side length of the feature map for an input of <paramref name="size"/> pixels; throws when it vanishes.</summary>
    public (int Channels, int Size) FeatureShape(int size)
    {
        int channels = InChannels;
        for (int i = 0; i < Features.Count; i++)
        {
            switch (Features[i])
            {
                case ConvLayer c:
                    size = (size + 2 * c.Padding - c.Kernel) / c.Stride + 1;
                    channels = c.OutChannels;
                    break;
                case PoolLayer p:
                    size = (size - p.Kernel) / p.Stride + 1;
                    break;
            }
            if (size < 1) throw new ArgumentException($"{Name}: the input is too small: feature layer {i} ({Features[i]}) leaves no pixels");
        }
        return (channels, size);
    }

    /// <summary>Checks that the description can be built; throws with the problem named.</summary>
    public void Validate()
    {
        if (Features.Count == 0 || Features[0] is not ConvLayer) throw new ArgumentException($"{Name}: the features must start with a convolution");
        if (Hidden.Any(h => h < 1)) throw new ArgumentException($"{Name}: hidden widths must be positive");
        if (InChannels < 1 || NumClasses < 1) throw new ArgumentException($"{Name}: InChannels and NumClasses must be positive");
        if (PoolSize is < 1) throw new ArgumentException($"{Name}: PoolSize must be positive");
        if (Dropout < 0 || Dropout >= 1) throw new ArgumentException($"{Name}: Dropout must be in [0, 1), got {Dropout}");
        if (PoolSize == null) FeatureShape(InputSize);
    }
}

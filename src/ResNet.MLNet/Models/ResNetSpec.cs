namespace ResNet.MLNet.Models;

/// <summary>The residual unit a stage repeats.</summary>
public enum BlockKind
{
    /// <summary>Two 3×3 convolutions (ResNet-18/34, CIFAR ResNets); expansion 1.</summary>
    Basic,
    /// <summary>1×1 → 3×3 → 1×1 with 4× expansion; stride in the 3×3 (torchvision's v1.5).</summary>
    Bottleneck,
}

/// <summary>The first layers before the residual stages.</summary>
public enum StemKind
{
    /// <summary>7×7 stride-2 convolution, BN, ReLU, 3×3 stride-2 max pool (ImageNet).</summary>
    ImageNet,
    /// <summary>3×3 stride-1 convolution, BN, ReLU (the paper's CIFAR networks).</summary>
    Cifar,
    /// <summary>
    /// ResNet-C (Bag of Tricks): three 3×3 convolutions (stride 2, then 1, 1; widths w, w, 2w with w = StemWidth / 2),
    /// BN and ReLU between them, then BN, ReLU and the 3×3 stride-2 max pool. <c>conv1</c> is a Sequential
    /// (<c>conv1.0</c>, <c>conv1.1</c>, <c>conv1.3</c>, <c>conv1.4</c>, <c>conv1.6</c>), as in timm's deep stem.
    /// </summary>
    Deep,
}

/// <summary>How a residual unit's identity path matches a change of shape.</summary>
public enum ShortcutKind
{
    /// <summary>Option B: a strided 1×1 convolution and BN (<c>downsample.0</c>, <c>downsample.1</c>) where the shape changes.</summary>
    Projection,
    /// <summary>Option A: strided subsampling and zero-padded extra channels; no parameters.</summary>
    ZeroPad,
    /// <summary>
    /// ResNet-D (Bag of Tricks): a 2×2 stride-2 average pool (ceil mode, padding not counted; an identity where the
    /// stride is 1), then a 1×1 stride-1 convolution and BN (<c>downsample.0</c>, <c>downsample.1</c>, <c>downsample.2</c>).
    /// </summary>
    AvgPoolProjection,
}

/// <summary>
/// A residual network described as data: block kind, units per stage, stage widths, stem and shortcut kind.
/// The zoo (<see cref="ResNetZoo"/>) is a table of these.
/// </summary>
public sealed record ResNetSpec
{
    /// <summary>A display name, e.g. <c>resnet50</c>.</summary>
    public required string Name { get; init; }
    /// <summary>The residual unit.</summary>
    public required BlockKind Block { get; init; }
    /// <summary>Units per stage, e.g. [3, 4, 6, 3].</summary>
    public required int[] Depths { get; init; }
    /// <summary>Base width ("planes") per stage, e.g. [64, 128, 256, 512]; a bottleneck's output is 4× this.</summary>
    public required int[] Widths { get; init; }
    /// <summary>The stem.</summary>
    public StemKind Stem { get; init; } = StemKind.ImageNet;
    /// <summary>Output channels of the stem (64 for ImageNet, 16 for CIFAR).</summary>
    public int StemWidth { get; init; } = 64;
    /// <summary>Shortcut kind where the shape changes.</summary>
    public ShortcutKind Shortcut { get; init; } = ShortcutKind.Projection;
    /// <summary>Groups of the 3×3 bottleneck convolution (ResNeXt cardinality).</summary>
    public int Groups { get; init; } = 1;
    /// <summary>Width per group of a bottleneck (64 = ResNet; 128 = Wide ResNet-50-2).</summary>
    public int WidthPerGroup { get; init; } = 64;
    /// <summary>Input image channels (3 for RGB, 1 for gray).</summary>
    public int InChannels { get; init; } = 3;
    /// <summary>Output classes.</summary>
    public int NumClasses { get; init; } = 1000;
    /// <summary>Initialise the last BN γ of each residual branch to zero, so each unit starts as the identity.</summary>
    public bool ZeroInitResidual { get; init; }
    /// <summary>The arrangement of BN, ReLU and addition in each unit (He et al. 2016, Fig. 4); original by default.</summary>
    public UnitKind Unit { get; init; } = UnitKind.Original;
    /// <summary>A plain network: the same layers without any shortcut (no addition, no shortcut parameters).</summary>
    public bool Plain { get; init; }
    /// <summary>
    /// Put a bottleneck's stride in its first 1×1 convolution (the 2015 paper's "ResNet-A") instead of the 3×3
    /// (ResNet-B, torchvision's v1.5; the default).
    /// </summary>
    public bool StrideInReduction { get; init; }
    /// <summary>Dropout probability before every convolution of a unit but the first (Wide ResNet); 0 = none.</summary>
    public double DropRate { get; init; }

    /// <summary>The channel expansion of the block (1 basic, 4 bottleneck).</summary>
    public int Expansion => Block == BlockKind.Bottleneck ? 4 : 1;

    /// <summary>The width of the pooled features before the classifier (the last stage's output channels).</summary>
    public int FeatureWidth => Widths[^1] * Expansion;

    /// <summary>The number of weighted layers (convolutions on the main path plus the classifier), as in the paper's names.</summary>
    public int WeightedLayers => 1 + Depths.Sum() * (Block == BlockKind.Bottleneck ? 3 : 2) + 1;

    /// <summary>Checks that the description can be built; throws with the problem named.</summary>
    public void Validate()
    {
        if (Depths.Length == 0 || Depths.Length != Widths.Length)
            throw new ArgumentException($"{Name}: Depths ({Depths.Length}) and Widths ({Widths.Length}) must be non-empty and of equal length");
        if (Depths.Any(d => d < 1) || Widths.Any(w => w < 1)) throw new ArgumentException($"{Name}: depths and widths must be positive");
        if (InChannels < 1) throw new ArgumentException($"{Name}: InChannels must be at least 1, got {InChannels}");
        if (NumClasses < 1) throw new ArgumentException($"{Name}: NumClasses must be at least 1, got {NumClasses}");
        if (Groups < 1 || WidthPerGroup < 1) throw new ArgumentException($"{Name}: Groups and WidthPerGroup must be positive");
        if (Block == BlockKind.Basic && (Groups != 1 || WidthPerGroup != 64))
            throw new ArgumentException($"{Name}: basic blocks support only Groups = 1 and WidthPerGroup = 64");
        if (Block == BlockKind.Basic && StrideInReduction)
            throw new ArgumentException($"{Name}: StrideInReduction applies to bottleneck blocks only");
        if (DropRate < 0 || DropRate >= 1) throw new ArgumentException($"{Name}: DropRate must be in [0, 1), got {DropRate}");
        if (Stem == StemKind.Deep && (StemWidth < 2 || StemWidth % 2 != 0))
            throw new ArgumentException($"{Name}: a deep stem needs an even StemWidth, got {StemWidth}");
        if (!Enum.IsDefined(Unit)) throw new ArgumentException($"{Name}: unknown unit kind {Unit}");
    }
}

namespace ResNet.MLNet.Models;

/// <summary>The architectures of the zoo.</summary>
public enum ResNetArchitecture
{
    /// <summary>ImageNet ResNet-18 (BasicBlock, [2, 2, 2, 2]); 11.7M parameters at 1000 classes.</summary>
    ResNet18,
    /// <summary>ImageNet ResNet-34 (BasicBlock, [3, 4, 6, 3]).</summary>
    ResNet34,
    /// <summary>ImageNet ResNet-50 (Bottleneck, [3, 4, 6, 3]).</summary>
    ResNet50,
    /// <summary>ImageNet ResNet-101 (Bottleneck, [3, 4, 23, 3]).</summary>
    ResNet101,
    /// <summary>ImageNet ResNet-152 (Bottleneck, [3, 8, 36, 3]).</summary>
    ResNet152,
    /// <summary>CIFAR ResNet-20 (3 stages × 3 basic units, widths 16/32/64); 0.27M parameters.</summary>
    ResNet20,
    /// <summary>CIFAR ResNet-32 (3 × 5 units).</summary>
    ResNet32,
    /// <summary>CIFAR ResNet-44 (3 × 7 units).</summary>
    ResNet44,
    /// <summary>CIFAR ResNet-56 (3 × 9 units); 0.85M parameters.</summary>
    ResNet56,
    /// <summary>CIFAR ResNet-110 (3 × 18 units).</summary>
    ResNet110,
    /// <summary>CIFAR ResNet-1202 (3 × 200 units).</summary>
    ResNet1202,
    /// <summary>CIFAR pre-activation ResNet-110 (He et al. 2016): 3 × 18 full pre-activation basic units, widths 16/32/64.</summary>
    PreActResNet110,
    /// <summary>CIFAR pre-activation ResNet-164: 3 × 18 bottleneck units, widths 16/32/64 (×4 output); 1.7M parameters.</summary>
    PreActResNet164,
    /// <summary>CIFAR pre-activation ResNet-1001: 3 × 111 bottleneck units, widths 16/32/64 (×4); 10.2M parameters.</summary>
    PreActResNet1001,
    /// <summary>Plain-20: ResNet-20's layers without shortcuts.</summary>
    Plain20,
    /// <summary>Plain-32: ResNet-32's layers without shortcuts.</summary>
    Plain32,
    /// <summary>Plain-44: ResNet-44's layers without shortcuts.</summary>
    Plain44,
    /// <summary>Plain-56: ResNet-56's layers without shortcuts.</summary>
    Plain56,
    /// <summary>Plain-110: ResNet-110's layers without shortcuts.</summary>
    Plain110,
    /// <summary>Plain-18: ImageNet ResNet-18's layers without shortcuts.</summary>
    Plain18,
    /// <summary>Plain-34: ImageNet ResNet-34's layers without shortcuts (the 2015 paper's plain baseline).</summary>
    Plain34,
    /// <summary>ResNet-50-C (Bag of Tricks): ResNet-50 (already ResNet-B) with the deep 3×3 stem.</summary>
    ResNet50C,
    /// <summary>ResNet-50-D (Bag of Tricks): ResNet-50-C with average-pool projection shortcuts; timm's <c>resnet50d</c>.</summary>
    ResNet50D,
    /// <summary>torchvision's wide_resnet50_2: bottleneck width doubled (WidthPerGroup 128); 68.9M parameters.</summary>
    WideResNet50_2,
    /// <summary>torchvision's resnext50_32x4d: 32 groups of width 4 in the 3×3 bottleneck convolution; 25.0M parameters.</summary>
    ResNeXt50_32x4d,
    /// <summary>CIFAR Wide ResNet WRN-28-10 (Zagoruyko and Komodakis 2016): pre-activation basic units, widths 160/320/640.</summary>
    WideResNet28_10,
    /// <summary>CIFAR Wide ResNet WRN-16-4: 3 × 2 pre-activation basic units, widths 64/128/256.</summary>
    WideResNet16_4,
}

/// <summary>The table of architectures: each is a <see cref="ResNetSpec"/>, built by <see cref="ResNetBuilder"/>.</summary>
public static class ResNetZoo
{
    private static readonly int[] ImageNetWidths = { 64, 128, 256, 512 };
    private static readonly int[] CifarWidths = { 16, 32, 64 };

    private static ResNetSpec ImageNet(string name, BlockKind block, params int[] depths) =>
        new() { Name = name, Block = block, Depths = depths, Widths = ImageNetWidths };

    private static ResNetSpec Cifar(string name, int unitsPerStage) => new()
    {
        Name = name, Block = BlockKind.Basic, Depths = new[] { unitsPerStage, unitsPerStage, unitsPerStage }, Widths = CifarWidths,
        Stem = StemKind.Cifar, StemWidth = 16, Shortcut = ShortcutKind.ZeroPad, NumClasses = 10,
    };

    private static ResNetSpec PlainOf(ResNetSpec spec) => spec with { Name = spec.Name.Replace("resnet", "plain"), Plain = true };

    private static readonly Dictionary<ResNetArchitecture, ResNetSpec> Table = Build();

    private static Dictionary<ResNetArchitecture, ResNetSpec> Build()
    {
        var t = new Dictionary<ResNetArchitecture, ResNetSpec>
        {
            [ResNetArchitecture.ResNet18] = ImageNet("resnet18", BlockKind.Basic, 2, 2, 2, 2),
            [ResNetArchitecture.ResNet34] = ImageNet("resnet34", BlockKind.Basic, 3, 4, 6, 3),
            [ResNetArchitecture.ResNet50] = ImageNet("resnet50", BlockKind.Bottleneck, 3, 4, 6, 3),
            [ResNetArchitecture.ResNet101] = ImageNet("resnet101", BlockKind.Bottleneck, 3, 4, 23, 3),
            [ResNetArchitecture.ResNet152] = ImageNet("resnet152", BlockKind.Bottleneck, 3, 8, 36, 3),
            [ResNetArchitecture.ResNet20] = Cifar("resnet20", 3),
            [ResNetArchitecture.ResNet32] = Cifar("resnet32", 5),
            [ResNetArchitecture.ResNet44] = Cifar("resnet44", 7),
            [ResNetArchitecture.ResNet56] = Cifar("resnet56", 9),
            [ResNetArchitecture.ResNet110] = Cifar("resnet110", 18),
            [ResNetArchitecture.ResNet1202] = Cifar("resnet1202", 200),
            [ResNetArchitecture.PreActResNet110] = CifarPreActivation(110),
            [ResNetArchitecture.PreActResNet164] = CifarPreActivation(164),
            [ResNetArchitecture.PreActResNet1001] = CifarPreActivation(1001),
            [ResNetArchitecture.ResNet50C] = ImageNet("resnet50c", BlockKind.Bottleneck, 3, 4, 6, 3) with { Stem = StemKind.Deep },
            [ResNetArchitecture.ResNet50D] = ImageNet("resnet50d", BlockKind.Bottleneck, 3, 4, 6, 3) with
                { Stem = StemKind.Deep, Shortcut = ShortcutKind.AvgPoolProjection },
            [ResNetArchitecture.WideResNet50_2] = ImageNet("wide_resnet50_2", BlockKind.Bottleneck, 3, 4, 6, 3) with { WidthPerGroup = 128 },
            [ResNetArchitecture.ResNeXt50_32x4d] = ImageNet("resnext50_32x4d", BlockKind.Bottleneck, 3, 4, 6, 3) with { Groups = 32, WidthPerGroup = 4 },
            [ResNetArchitecture.WideResNet28_10] = WideResNet(28, 10),
            [ResNetArchitecture.WideResNet16_4] = WideResNet(16, 4),
        };
        t[ResNetArchitecture.Plain20] = PlainOf(t[ResNetArchitecture.ResNet20]);
        t[ResNetArchitecture.Plain32] = PlainOf(t[ResNetArchitecture.ResNet32]);
        t[ResNetArchitecture.Plain44] = PlainOf(t[ResNetArchitecture.ResNet44]);
        t[ResNetArchitecture.Plain56] = PlainOf(t[ResNetArchitecture.ResNet56]);
        t[ResNetArchitecture.Plain110] = PlainOf(t[ResNetArchitecture.ResNet110]);
        t[ResNetArchitecture.Plain18] = PlainOf(t[ResNetArchitecture.ResNet18]);
        t[ResNetArchitecture.Plain34] = PlainOf(t[ResNetArchitecture.ResNet34]);
        return t;
    }

    /// <summary>
    /// A CIFAR pre-activation ResNet of <paramref name="depth"/> weighted layers (He et al. 2016): full pre-activation
    /// basic units (depth = 6n + 2, e.g. 110) below 164, bottleneck units (depth = 9n + 2, e.g. 164, 1001) from 164;
    /// widths 16/32/64 (×4 for bottlenecks), 1×1 projection shortcuts where the shape changes.
    /// </summary>
    public static ResNetSpec CifarPreActivation(int depth, int numClasses = 10, int inChannels = 3)
    {
        bool bottleneck = depth >= 164;
        int perUnit = bottleneck ? 9 : 6;
        if (depth < 8 || (depth - 2) % perUnit != 0)
            throw new ArgumentException($"a CIFAR pre-activation {(bottleneck ? "bottleneck" : "basic")} ResNet needs depth = {perUnit}n + 2, got {depth}");
        int n = (depth - 2) / perUnit;
        return new ResNetSpec
        {
            Name = $"preact-resnet{depth}", Block = bottleneck ? BlockKind.Bottleneck : BlockKind.Basic, Depths = new[] { n, n, n },
            Widths = CifarWidths, Stem = StemKind.Cifar, StemWidth = 16, Shortcut = ShortcutKind.Projection,
            Unit = UnitKind.FullPreActivation, NumClasses = numClasses, InChannels = inChannels,
        };
    }

    /// <summary>
    /// The CIFAR Wide ResNet WRN-<paramref name="depth"/>-<paramref name="widenFactor"/> (Zagoruyko and Komodakis 2016):
    /// (depth − 4) / 6 full pre-activation basic units per stage, widths 16k/32k/64k, a 16-channel stem, 1×1 projection
    /// shortcuts, optional dropout between the two convolutions of a unit.
    /// </summary>
    public static ResNetSpec WideResNet(int depth, int widenFactor, double dropRate = 0, int numClasses = 10, int inChannels = 3)
    {
        if (depth < 10 || (depth - 4) % 6 != 0) throw new ArgumentException($"a Wide ResNet needs depth = 6n + 4, got {depth}");
        if (widenFactor < 1) throw new ArgumentException($"the widening factor must be at least 1, got {widenFactor}");
        int n = (depth - 4) / 6;
        return new ResNetSpec
        {
            Name = $"wrn-{depth}-{widenFactor}", Block = BlockKind.Basic, Depths = new[] { n, n, n },
            Widths = CifarWidths.Select(w => w * widenFactor).ToArray(), Stem = StemKind.Cifar, StemWidth = 16,
            Shortcut = ShortcutKind.Projection, Unit = UnitKind.FullPreActivation, DropRate = dropRate,
            NumClasses = numClasses, InChannels = inChannels,
        };
    }

    /// <summary>Every architecture of the zoo.</summary>
    public static IReadOnlyCollection<ResNetArchitecture> Architectures => Table.Keys;

    /// <summary>The description of <paramref name="architecture"/> for the given classes and input channels.</summary>
    public static ResNetSpec Spec(ResNetArchitecture architecture, int? numClasses = null, int? inChannels = null)
    {
        var spec = Table[architecture];
        return spec with
        {
            NumClasses = numClasses ?? spec.NumClasses,
            InChannels = inChannels ?? spec.InChannels,
        };
    }

    /// <summary>Builds <paramref name="architecture"/> with fresh weights.</summary>
    public static ResNet Create(ResNetArchitecture architecture, int? numClasses = null, int? inChannels = null, bool zeroInitResidual = false) =>
        ResNetBuilder.Build(Spec(architecture, numClasses, inChannels) with { ZeroInitResidual = zeroInitResidual });

    /// <summary>
    /// Parses a name such as <c>resnet50</c>, <c>ResNet-20</c>, <c>ResNet56</c>, <c>plain-56</c>, <c>wide_resnet50_2</c>
    /// or <c>WRN-28-10</c> (case, dashes and underscores are ignored; enum names and zoo names both match).
    /// </summary>
    public static ResNetArchitecture Parse(string name)
    {
        static string Key(string s) => s.Replace("-", "").Replace("_", "").Trim().ToLowerInvariant();
        var key = Key(name);
        foreach (var a in Enum.GetValues<ResNetArchitecture>())
            if (Key(a.ToString()) == key || Key(Table[a].Name) == key) return a;
        throw new ArgumentException($"unknown architecture '{name}'; known: {string.Join(", ", Enum.GetNames<ResNetArchitecture>())}");
    }
}

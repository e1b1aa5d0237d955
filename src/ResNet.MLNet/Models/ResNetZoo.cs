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

    private static readonly Dictionary<ResNetArchitecture, ResNetSpec> Table = new()
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
    };

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

    /// <summary>Parses a name such as <c>resnet50</c>, <c>ResNet-20</c> or <c>ResNet56</c>.</summary>
    public static ResNetArchitecture Parse(string name)
    {
        var key = name.Replace("-", "").Replace("_", "").Trim();
        if (Enum.TryParse<ResNetArchitecture>(key, ignoreCase: true, out var a) && Enum.IsDefined(a)) return a;
        throw new ArgumentException($"unknown architecture '{name}'; known: {string.Join(", ", Enum.GetNames<ResNetArchitecture>())}");
    }
}

using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Modules;

namespace ResNet.MLNet.Models;

/// <summary>
/// Builds a <see cref="ResNet"/> from a <see cref="ResNetSpec"/>, following torchvision's <c>ResNet._make_layer</c>:
/// the first block of each stage after the first has stride 2, and a shortcut module is added where the shape changes.
/// Every block, whatever its kind, unit order or shortcut, is a <see cref="ResidualBlock"/>.
/// Initialisation is torchvision's: Kaiming normal (fan_out, ReLU) for convolutions, BN γ = 1 and β = 0,
/// PyTorch's default for the classifier, and optionally zero γ on the last BN of each residual branch.
/// </summary>
public static class ResNetBuilder
{
    /// <summary>Builds the network (seed libtorch first with <see cref="TorchRuntime.ManualSeed"/> for repeatable weights).</summary>
    public static ResNet Build(ResNetSpec spec)
    {
        spec.Validate();
        var conv1 = StemConvolution(spec);
        var bn1 = new BatchNorm2d(spec.StemWidth);
        Module? maxpool = spec.Stem == StemKind.Cifar ? null : new MaxPool2d(3, 2, 1);
        int inChannels = spec.StemWidth;
        var stages = new Sequential[spec.Depths.Length];
        for (int s = 0; s < spec.Depths.Length; s++)
        {
            int stride = s == 0 ? 1 : 2;
            stages[s] = MakeStage(spec, s, ref inChannels, spec.Widths[s], spec.Depths[s], stride);
        }
        Module? finalNorm = spec.Unit == UnitKind.FullPreActivation ? new BatchNorm2d(inChannels) : null;
        bool finalRelu = spec.Unit is UnitKind.FullPreActivation or UnitKind.ReluOnlyPreActivation;
        var fc = new Linear(inChannels, spec.NumClasses);
        var net = new ResNet(spec, conv1, bn1, maxpool, stages, finalNorm, finalRelu, fc);
        Initialise(net, spec.ZeroInitResidual);
        return net;
    }

    private static Module StemConvolution(ResNetSpec spec)
    {
        int w = spec.StemWidth;
        return spec.Stem switch
        {
            StemKind.ImageNet => new Conv2d(spec.InChannels, w, 7, 2, 3, bias: false),
            StemKind.Cifar => new Conv2d(spec.InChannels, w, 3, 1, 1, bias: false),
            StemKind.Deep => new Sequential(
                new Conv2d(spec.InChannels, w / 2, 3, 2, 1, bias: false), new BatchNorm2d(w / 2), new ReLU(inPlace: true),
                new Conv2d(w / 2, w / 2, 3, 1, 1, bias: false), new BatchNorm2d(w / 2), new ReLU(inPlace: true),
                new Conv2d(w / 2, w, 3, 1, 1, bias: false)),
            _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Stem, "unknown stem"),
        };
    }

    private static Sequential MakeStage(ResNetSpec spec, int stageIndex, ref int inChannels, int planes, int depth, int stride)
    {
        var stage = new Sequential();
        int outChannels = planes * spec.Expansion;
        for (int i = 0; i < depth; i++)
        {
            int unitStride = i == 0 ? stride : 1;
            bool reshapes = unitStride != 1 || inChannels != outChannels;
            Module? shortcut = reshapes && !spec.Plain ? Shortcut(spec, inChannels, outChannels, unitStride) : null;
            stage.Add(new ResidualBlock(spec.Unit, Convolutions(spec, inChannels, planes, unitStride), shortcut, spec.Plain, spec.DropRate,
                preActivate: stageIndex > 0 || i > 0));
            inChannels = outChannels;
        }
        return stage;
    }

    private static UnitConv[] Convolutions(ResNetSpec spec, int inChannels, int planes, int stride) => spec.Block switch
    {
        BlockKind.Basic => UnitConv.Basic(inChannels, planes, stride),
        BlockKind.Bottleneck => UnitConv.Bottleneck(inChannels, planes, stride, spec.Groups, spec.WidthPerGroup, spec.StrideInReduction),
        _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Block, "unknown block kind"),
    };

    /// <summary>The shortcut of a unit whose shape changes; a pre-activation unit's projection has no BN (the next unit normalises).</summary>
    private static Module Shortcut(ResNetSpec spec, int inChannels, int outChannels, int stride)
    {
        bool norm = spec.Unit != UnitKind.FullPreActivation;
        switch (spec.Shortcut)
        {
            case ShortcutKind.ZeroPad:
                return new ZeroPadShortcut(inChannels, outChannels, stride);
            case ShortcutKind.Projection:
                var projection = new Sequential(new Conv2d(inChannels, outChannels, 1, stride, bias: false));
                return norm ? projection.Add(new BatchNorm2d(outChannels)) : projection;
            case ShortcutKind.AvgPoolProjection:
                Module pool = stride == 1 ? new Identity() : new AvgPool2d(2, stride, ceilMode: true, countIncludePad: false);
                var pooled = new Sequential(pool, new Conv2d(inChannels, outChannels, 1, 1, bias: false));
                return norm ? pooled.Add(new BatchNorm2d(outChannels)) : pooled;
            default:
                throw new ArgumentOutOfRangeException(nameof(spec), spec.Shortcut, "unknown shortcut kind");
        }
    }

    private static void Initialise(Module net, bool zeroInitResidual)
    {
        foreach (var (_, m) in net.NamedModules())
        {
            switch (m)
            {
                case Conv2d conv:
                    Init.KaimingNormal(conv.Weight, Init.FanMode.FanOut);
                    break;
                case BatchNorm2d bn:
                    Init.Constant(bn.Weight, 1);
                    Init.Constant(bn.Bias, 0);
                    break;
            }
        }
        if (!zeroInitResidual) return;
        foreach (var (_, m) in net.NamedModules())
        {
            if (m is ResidualBlock { LastNorm: { } norm }) Init.Constant(norm.Weight, 0);
        }
    }
}

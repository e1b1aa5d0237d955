using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Modules;

namespace ResNet.MLNet.Models;

/// <summary>
/// Builds a <see cref="ResNet"/> from a <see cref="ResNetSpec"/>, following torchvision's <c>ResNet._make_layer</c>:
/// the first unit of each stage after the first has stride 2, and a shortcut module is added where the shape changes.
/// Initialisation is torchvision's: Kaiming normal (fan_out, ReLU) for convolutions, BN γ = 1 and β = 0,
/// PyTorch's default for the classifier, and optionally zero γ on the last BN of each residual branch.
/// </summary>
public static class ResNetBuilder
{
    /// <summary>Builds the network (seed libtorch first with <see cref="TorchRuntime.ManualSeed"/> for repeatable weights).</summary>
    public static ResNet Build(ResNetSpec spec)
    {
        spec.Validate();
        var (conv1, bn1, maxpool) = Stem(spec);
        int inChannels = spec.StemWidth;
        var stages = new Sequential[spec.Depths.Length];
        for (int s = 0; s < spec.Depths.Length; s++)
        {
            int stride = s == 0 ? 1 : 2;
            stages[s] = MakeStage(spec, ref inChannels, spec.Widths[s], spec.Depths[s], stride);
        }
        var fc = new Linear(inChannels, spec.NumClasses);
        var net = new ResNet(spec, conv1, bn1, maxpool, stages, fc);
        Initialise(net, spec.ZeroInitResidual);
        return net;
    }

    private static (Module Conv, Module Bn, Module? MaxPool) Stem(ResNetSpec spec) => spec.Stem switch
    {
        StemKind.ImageNet => (new Conv2d(spec.InChannels, spec.StemWidth, 7, 2, 3, bias: false), new BatchNorm2d(spec.StemWidth), new MaxPool2d(3, 2, 1)),
        StemKind.Cifar => (new Conv2d(spec.InChannels, spec.StemWidth, 3, 1, 1, bias: false), new BatchNorm2d(spec.StemWidth), null),
        _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Stem, "unknown stem"),
    };

    private static Sequential MakeStage(ResNetSpec spec, ref int inChannels, int planes, int depth, int stride)
    {
        var stage = new Sequential();
        int outChannels = planes * spec.Expansion;
        for (int i = 0; i < depth; i++)
        {
            int unitStride = i == 0 ? stride : 1;
            Module? shortcut = unitStride != 1 || inChannels != outChannels ? Shortcut(spec.Shortcut, inChannels, outChannels, unitStride) : null;
            stage.Add(spec.Block switch
            {
                BlockKind.Basic => new BasicBlock(inChannels, planes, unitStride, shortcut),
                BlockKind.Bottleneck => new BottleneckBlock(inChannels, planes, unitStride, shortcut, spec.Groups, spec.WidthPerGroup),
                _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Block, "unknown block kind"),
            });
            inChannels = outChannels;
        }
        return stage;
    }

    private static Module Shortcut(ShortcutKind kind, int inChannels, int outChannels, int stride) => kind switch
    {
        ShortcutKind.Projection => new Sequential(new Conv2d(inChannels, outChannels, 1, stride, bias: false), new BatchNorm2d(outChannels)),
        ShortcutKind.ZeroPad => new ZeroPadShortcut(inChannels, outChannels, stride),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown shortcut kind"),
    };

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
                    bn.Weight.FillInPlace(1);
                    bn.Bias.FillInPlace(0);
                    break;
            }
        }
        if (!zeroInitResidual) return;
        foreach (var (_, m) in net.NamedModules())
        {
            if (m is BasicBlock b) b.LastNorm.Weight.FillInPlace(0);
            else if (m is BottleneckBlock bb) bb.LastNorm.Weight.FillInPlace(0);
        }
    }
}

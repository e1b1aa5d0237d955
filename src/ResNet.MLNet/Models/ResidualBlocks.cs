using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Modules;

namespace ResNet.MLNet.Models;

/// <summary>
/// The identity path of a residual unit whose shape changes, option A: take every stride-th pixel and zero-pad the
/// new channels equally on both sides. No parameters.
/// </summary>
public sealed partial class ZeroPadShortcut : Module
{
    private readonly int _stride, _padBefore, _padAfter;

    /// <summary>Creates the shortcut from <paramref name="inChannels"/> to <paramref name="outChannels"/>.</summary>
    public ZeroPadShortcut(int inChannels, int outChannels, int stride)
    {
        if (outChannels < inChannels) throw new ArgumentException($"option-A shortcuts cannot reduce channels ({inChannels} -> {outChannels})");
        _stride = stride;
        _padBefore = (outChannels - inChannels) / 2;
        _padAfter = outChannels - inChannels - _padBefore;
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        var x = input;
        if (_stride != 1)
        {
            var shape = input.Shape;
            x = x.Slice(2, 0, shape[2], _stride).Slice(3, 0, shape[3], _stride);
        }
        return _padBefore + _padAfter == 0 ? x : x.Pad(new long[] { 0, 0, 0, 0, _padBefore, _padAfter });
    }
}

/// <summary>Two 3×3 convolutions with BN, added to the identity path (torchvision's <c>BasicBlock</c> names).</summary>
public sealed partial class BasicBlock : Module
{
    /// <summary>First convolution.</summary>
    public Conv2d Conv1 { get; }
    /// <summary>First BN.</summary>
    public BatchNorm2d Bn1 { get; }
    /// <summary>Second convolution.</summary>
    public Conv2d Conv2 { get; }
    /// <summary>Second BN (the last of the residual branch).</summary>
    public BatchNorm2d Bn2 { get; }
    /// <summary>The shortcut where the shape changes, else null (identity).</summary>
    public Module? Downsample { get; }

    /// <summary>Creates the unit.</summary>
    public BasicBlock(int inChannels, int planes, int stride, Module? downsample)
    {
        Conv1 = RegisterModule("conv1", new Conv2d(inChannels, planes, 3, stride, 1, bias: false));
        Bn1 = RegisterModule("bn1", new BatchNorm2d(planes));
        RegisterModule("relu", new ReLU(inPlace: true));
        Conv2 = RegisterModule("conv2", new Conv2d(planes, planes, 3, 1, 1, bias: false));
        Bn2 = RegisterModule("bn2", new BatchNorm2d(planes));
        if (downsample != null) Downsample = RegisterModule("downsample", downsample);
    }

    /// <summary>The BN whose γ zero-init residual sets to 0.</summary>
    public BatchNorm2d LastNorm => Bn2;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        var branch = Bn1.Forward(Conv1.Forward(input)).ReluInPlace();
        branch = Bn2.Forward(Conv2.Forward(branch));
        var identity = Downsample?.Forward(input) ?? input;
        return branch.AddInPlace(identity).ReluInPlace();
    }
}

/// <summary>1×1 reduce, 3×3 (strided, grouped), 1×1 expand ×4, each with BN (torchvision's <c>Bottleneck</c>, v1.5).</summary>
public sealed partial class BottleneckBlock : Module
{
    /// <summary>The 1×1 reduction.</summary>
    public Conv2d Conv1 { get; }
    /// <summary>BN after conv1.</summary>
    public BatchNorm2d Bn1 { get; }
    /// <summary>The 3×3 convolution carrying the stride.</summary>
    public Conv2d Conv2 { get; }
    /// <summary>BN after conv2.</summary>
    public BatchNorm2d Bn2 { get; }
    /// <summary>The 1×1 expansion.</summary>
    public Conv2d Conv3 { get; }
    /// <summary>BN after conv3 (the last of the residual branch).</summary>
    public BatchNorm2d Bn3 { get; }
    /// <summary>The shortcut where the shape changes, else null (identity).</summary>
    public Module? Downsample { get; }

    /// <summary>Creates the unit; its output has <c>planes * 4</c> channels.</summary>
    public BottleneckBlock(int inChannels, int planes, int stride, Module? downsample, int groups = 1, int widthPerGroup = 64)
    {
        int width = planes * widthPerGroup / 64 * groups;
        Conv1 = RegisterModule("conv1", new Conv2d(inChannels, width, 1, bias: false));
        Bn1 = RegisterModule("bn1", new BatchNorm2d(width));
        Conv2 = RegisterModule("conv2", new Conv2d(width, width, 3, stride, 1, groups: groups, bias: false));
        Bn2 = RegisterModule("bn2", new BatchNorm2d(width));
        Conv3 = RegisterModule("conv3", new Conv2d(width, planes * 4, 1, bias: false));
        Bn3 = RegisterModule("bn3", new BatchNorm2d(planes * 4));
        RegisterModule("relu", new ReLU(inPlace: true));
        if (downsample != null) Downsample = RegisterModule("downsample", downsample);
    }

    /// <summary>The BN whose γ zero-init residual sets to 0.</summary>
    public BatchNorm2d LastNorm => Bn3;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        var branch = Bn1.Forward(Conv1.Forward(input)).ReluInPlace();
        branch = Bn2.Forward(Conv2.Forward(branch)).ReluInPlace();
        branch = Bn3.Forward(Conv3.Forward(branch));
        var identity = Downsample?.Forward(input) ?? input;
        return branch.AddInPlace(identity).ReluInPlace();
    }
}

using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Modules;

namespace ResNet.MLNet.Models;

/// <summary>
/// A residual unit of any <see cref="UnitKind"/> (basic or bottleneck by its list of convolutions), or its plain
/// counterpart without the shortcut. Parameters keep torchvision's names: <c>conv1</c>, <c>bn1</c>, <c>conv2</c>, ...
/// and <c>downsample</c>; <c>bn<i>i</i></c> normalises the input of <c>conv<i>i</i></c> in a pre-activation unit and
/// its output otherwise (in a BN-after-addition unit the last BN normalises the sum).
/// </summary>
public sealed partial class ResidualUnit : Module
{
    private readonly Conv2d[] _convs;
    private readonly BatchNorm2d?[] _norms;
    private readonly Dropout? _dropout;

    /// <summary>The arrangement of BN, ReLU and addition.</summary>
    public UnitKind Kind { get; }

    /// <summary>True for a plain unit: no shortcut and no addition.</summary>
    public bool IsPlain { get; }

    /// <summary>The branch's convolutions in order.</summary>
    public IReadOnlyList<Conv2d> Convs => _convs;

    /// <summary>The BN paired with each convolution (null for the first of a unit that reuses the stem's BN-ReLU).</summary>
    public IReadOnlyList<BatchNorm2d?> Norms => _norms;

    /// <summary>The shortcut where the shape changes, else null (identity, or none in a plain unit).</summary>
    public Module? Downsample { get; }

    /// <summary>
    /// The BN whose γ zero-init sets to 0 so the unit starts as its shortcut: the last BN of the branch, or null
    /// where the branch does not end in a BN (full pre-activation, BN after addition).
    /// </summary>
    public BatchNorm2d? LastNorm => Kind is UnitKind.FullPreActivation or UnitKind.BnAfterAddition ? null : _norms[^1];

    /// <summary>Creates the unit.</summary>
    /// <param name="kind">Where BN, ReLU and the addition sit.</param>
    /// <param name="convs">The branch's convolutions (two for basic, three for bottleneck).</param>
    /// <param name="downsample">The shortcut module where the shape changes, else null; must be null when <paramref name="plain"/>.</param>
    /// <param name="plain">Leave out the shortcut and the addition.</param>
    /// <param name="dropRate">Dropout before every convolution but the first (0 = none).</param>
    /// <param name="preActivate">For <see cref="UnitKind.FullPreActivation"/>: false for the network's first unit, which
    /// follows the stem's BN-ReLU (He et al. 2016, appendix) and so has no <c>bn1</c> of its own.</param>
    public ResidualUnit(UnitKind kind, IReadOnlyList<UnitConv> convs, Module? downsample, bool plain = false, double dropRate = 0, bool preActivate = true)
    {
        if (convs.Count < 1) throw new ArgumentException("a residual unit needs at least one convolution");
        if (plain && downsample != null) throw new ArgumentException("a plain unit has no shortcut, but a downsample module was given");
        for (int i = 1; i < convs.Count; i++)
            if (convs[i].InChannels != convs[i - 1].OutChannels)
                throw new ArgumentException($"conv{i + 1} expects {convs[i].InChannels} channels but conv{i} gives {convs[i - 1].OutChannels}");
        (Kind, IsPlain) = (kind, plain);
        _convs = new Conv2d[convs.Count];
        _norms = new BatchNorm2d?[convs.Count];
        bool pre = kind == UnitKind.FullPreActivation;
        for (int i = 0; i < convs.Count; i++)
        {
            var c = convs[i];
            string n = (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (pre && (i > 0 || preActivate)) _norms[i] = RegisterModule("bn" + n, new BatchNorm2d(c.InChannels));
            _convs[i] = RegisterModule("conv" + n, new Conv2d(c.InChannels, c.OutChannels, c.Kernel, c.Stride, c.Padding, groups: c.Groups, bias: false));
            if (!pre) _norms[i] = RegisterModule("bn" + n, new BatchNorm2d(c.OutChannels));
        }
        if (dropRate > 0) _dropout = RegisterModule("dropout", new Dropout(dropRate));
        if (downsample != null) Downsample = RegisterModule("downsample", downsample);
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) =>
        Kind == UnitKind.FullPreActivation ? ForwardPreActivated(input) : ForwardPostActivated(input);

    private Tensor Drop(Tensor x) => _dropout?.Forward(x) ?? x;

    private Tensor ForwardPreActivated(Tensor input)
    {
        var activated = _norms[0] is { } first ? first.Forward(input).ReluInPlace() : input;
        var x = _convs[0].Forward(activated);
        for (int i = 1; i < _convs.Length; i++)
            x = _convs[i].Forward(Drop(_norms[i]!.Forward(x).ReluInPlace()));
        if (IsPlain) return x;
        var shortcut = Downsample?.Forward(activated) ?? input;
        return x.AddInPlace(shortcut);
    }

    private Tensor ForwardPostActivated(Tensor input)
    {
        var x = input;
        int last = _convs.Length - 1;
        for (int i = 0; i <= last; i++)
        {
            if (Kind == UnitKind.ReluOnlyPreActivation) x = i == 0 ? x.Relu() : x.ReluInPlace();
            if (i > 0) x = Drop(x);
            x = _convs[i].Forward(x);
            if (Kind == UnitKind.BnAfterAddition && i == last) break;
            x = _norms[i]!.Forward(x);
            if (Kind != UnitKind.ReluOnlyPreActivation && (i < last || Kind == UnitKind.ReluBeforeAddition)) x = x.ReluInPlace();
        }
        if (!IsPlain) x = x.AddInPlace(Downsample?.Forward(input) ?? input);
        return Kind switch
        {
            UnitKind.Original => x.ReluInPlace(),
            UnitKind.BnAfterAddition => _norms[last]!.Forward(x).ReluInPlace(),
            _ => x,
        };
    }
}

using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Modules;

namespace ResNet.MLNet.Models;

/// <summary>
/// A residual block of either kind — basic (<see cref="UnitConv.Basic"/>: two 3×3 convolutions) or bottleneck
/// (<see cref="UnitConv.Bottleneck"/>: 1×1, 3×3, 1×1) — with BN, ReLU and the addition placed as its
/// <see cref="UnitKind"/> says, a shortcut module where the shape changes, or no shortcut at all in a plain network.
/// Names are torchvision's (<c>conv1</c>, <c>bn1</c>, <c>conv2</c>, ..., <c>downsample</c>), so an original block's
/// state dict is torchvision's <c>BasicBlock</c> / <c>Bottleneck</c>; <c>bn<i>i</i></c> normalises the input of
/// <c>conv<i>i</i></c> in a full pre-activation block and its output otherwise (in a BN-after-addition block the last
/// BN normalises the sum). Training, scoring, the BN-folded copy (<see cref="BatchNormFolding"/>) and the ONNX export
/// all run the one sequence of operations below.
/// </summary>
public sealed class ResidualBlock : Module
{
    private readonly Conv2d[] _convs;
    private readonly BatchNorm2d?[] _norms; // null: none at this place, or folded into a convolution
    private readonly Dropout? _dropout;
    private readonly bool _activateInput;

    /// <summary>The arrangement of BN, ReLU and addition.</summary>
    public UnitKind Kind { get; }

    /// <summary>True for a plain block: no shortcut and no addition.</summary>
    public bool IsPlain { get; }

    /// <summary>The branch's convolutions in order.</summary>
    public IReadOnlyList<Conv2d> Convs => _convs;

    /// <summary>The shortcut where the shape changes, else null (identity, or none in a plain block).</summary>
    public Module? Downsample { get; }

    /// <summary>
    /// The BN whose γ zero-init sets to 0 so the block starts as its shortcut: the last BN of the branch, or null
    /// where the branch does not end in a BN (full pre-activation, BN after addition).
    /// </summary>
    public BatchNorm2d? LastNorm => Kind is UnitKind.FullPreActivation or UnitKind.BnAfterAddition ? null : _norms[^1];

    /// <summary>Creates the block.</summary>
    /// <param name="kind">Where BN, ReLU and the addition sit.</param>
    /// <param name="convs">The branch's convolutions: <see cref="UnitConv.Basic"/> or <see cref="UnitConv.Bottleneck"/>.</param>
    /// <param name="downsample">The shortcut module where the shape changes, else null; must be null when <paramref name="plain"/>.</param>
    /// <param name="plain">Leave out the shortcut and the addition.</param>
    /// <param name="dropRate">Dropout before every convolution but the first (0 = none).</param>
    /// <param name="preActivate">For <see cref="UnitKind.FullPreActivation"/>: false for the network's first block, which
    /// follows the stem's BN-ReLU (He et al. 2016, appendix) and so has no <c>bn1</c> of its own.</param>
    public ResidualBlock(UnitKind kind, IReadOnlyList<UnitConv> convs, Module? downsample, bool plain = false, double dropRate = 0, bool preActivate = true)
    {
        if (convs.Count < 1) throw new ArgumentException("a residual block needs at least one convolution");
        if (plain && downsample != null) throw new ArgumentException("a plain block has no shortcut, but a downsample module was given");
        for (int i = 1; i < convs.Count; i++)
            if (convs[i].InChannels != convs[i - 1].OutChannels)
                throw new ArgumentException($"conv{i + 1} expects {convs[i].InChannels} channels but conv{i} gives {convs[i - 1].OutChannels}");
        (Kind, IsPlain) = (kind, plain);
        bool pre = kind == UnitKind.FullPreActivation;
        _activateInput = pre && preActivate;
        _convs = new Conv2d[convs.Count];
        _norms = new BatchNorm2d?[convs.Count];
        for (int i = 0; i < convs.Count; i++)
        {
            var c = convs[i];
            if (pre && (i > 0 || preActivate)) _norms[i] = RegisterModule(NormName(i), new BatchNorm2d(c.InChannels));
            _convs[i] = RegisterModule("conv" + (i + 1), new Conv2d(c.InChannels, c.OutChannels, c.Kernel, c.Stride, c.Padding, groups: c.Groups, bias: false));
            if (!pre) _norms[i] = RegisterModule(NormName(i), new BatchNorm2d(c.OutChannels));
        }
        if (dropRate > 0) _dropout = RegisterModule("dropout", new Dropout(dropRate));
        if (downsample != null) Downsample = RegisterModule("downsample", downsample);
    }

    private static string NormName(int i) => "bn" + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Apply(new TensorOps(input), input);

    /// <summary>The block's sequence of operations, over tensors or graph values.</summary>
    internal T Apply<T>(IForwardOps<T> ops, T input) =>
        Kind == UnitKind.FullPreActivation ? PreActivated(ops, input) : PostActivated(ops, input);

    private T Norm<T>(IForwardOps<T> ops, int i, T x) => _norms[i] is { } norm ? ops.Run(norm, x) : x;

    private T Drop<T>(IForwardOps<T> ops, T x) => _dropout != null ? ops.Run(_dropout, x) : x;

    private T PreActivated<T>(IForwardOps<T> ops, T input)
    {
        // with bn1 folded away the ReLU would otherwise overwrite the caller's tensor
        var activated = _activateInput ? ops.Relu(Norm(ops, 0, input), inPlace: _norms[0] != null) : input;
        if (Downsample != null) ops.Keep(activated); // read again by the shortcut
        var x = ops.Run(_convs[0], activated);
        for (int i = 1; i < _convs.Length; i++)
            x = ops.Run(_convs[i], Drop(ops, ops.Relu(Norm(ops, i, x), inPlace: true)));
        if (IsPlain) return x;
        return ops.Add(x, Downsample != null ? ops.Run(Downsample, activated) : input);
    }

    private T PostActivated<T>(IForwardOps<T> ops, T input)
    {
        var x = input;
        int last = _convs.Length - 1;
        for (int i = 0; i <= last; i++)
        {
            if (Kind == UnitKind.ReluOnlyPreActivation) x = ops.Relu(x, inPlace: i > 0);
            if (i > 0) x = Drop(ops, x);
            x = ops.Run(_convs[i], x);
            if (Kind == UnitKind.BnAfterAddition && i == last) break;
            x = Norm(ops, i, x);
            if (Kind != UnitKind.ReluOnlyPreActivation && (i < last || Kind == UnitKind.ReluBeforeAddition)) x = ops.Relu(x, inPlace: true);
        }
        if (!IsPlain) x = ops.Add(x, Downsample != null ? ops.Run(Downsample, input) : input);
        return Kind switch
        {
            UnitKind.Original => ops.Relu(x, inPlace: true),
            UnitKind.BnAfterAddition => ops.Relu(Norm(ops, last, x), inPlace: true),
            _ => x,
        };
    }

    // ------------------------------------------------------------------ BN folding (see BatchNormFolding)

    /// <summary>Folds every BN that reads one of this block's convolutions alone into that convolution, and those of the shortcut.</summary>
    internal void FoldBatchNorms()
    {
        int last = _convs.Length - 1;
        for (int i = 0; i <= last; i++)
        {
            // a pre-activation bn(i) reads conv(i-1); otherwise bn(i) reads conv(i), except a BN after a real addition
            int source = Kind == UnitKind.FullPreActivation ? i - 1 : i;
            bool readsSum = Kind == UnitKind.BnAfterAddition && i == last && !IsPlain;
            if (source < 0 || readsSum || _norms[i] is not { } norm) continue;
            BatchNormFolding.Absorb(_convs[source], norm);
            DropNorm(i);
        }
        if (Downsample != null) BatchNormFolding.FoldWithin(Downsample);
    }

    /// <summary>The convolution whose output is this block's output and nothing else's: the last one of a plain full
    /// pre-activation block; null otherwise.</summary>
    internal Conv2d? OutputConv => IsPlain && Kind == UnitKind.FullPreActivation ? _convs[^1] : null;

    /// <summary>The BN this block applies first to its input, which nothing else in the block reads (a plain full
    /// pre-activation block's <c>bn1</c>); null otherwise.</summary>
    internal BatchNorm2d? InputNorm => IsPlain && _activateInput ? _norms[0] : null;

    /// <summary>Removes <see cref="InputNorm"/> once the previous module's convolution has absorbed it (the ReLU stays).</summary>
    internal void DropInputNorm() => DropNorm(0);

    private void DropNorm(int i)
    {
        ReplaceModule(NormName(i), new Identity()).Dispose();
        _norms[i] = null;
    }
}

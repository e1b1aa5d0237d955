using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Modules;

namespace ResNet.MLNet.Models;

/// <summary>
/// The identity path of a residual block whose shape changes, option A: take every stride-th pixel and zero-pad the
/// new channels equally on both sides. No parameters.
/// </summary>
public sealed class ZeroPadShortcut : Module
{
    /// <summary>The step between the pixels kept.</summary>
    public int Stride { get; }

    /// <summary>Zero channels added before the input's channels.</summary>
    public int PadBefore { get; }

    /// <summary>Zero channels added after the input's channels.</summary>
    public int PadAfter { get; }

    /// <summary>Creates the shortcut from <paramref name="inChannels"/> to <paramref name="outChannels"/>.</summary>
    public ZeroPadShortcut(int inChannels, int outChannels, int stride)
    {
        if (outChannels < inChannels) throw new ArgumentException($"option-A shortcuts cannot reduce channels ({inChannels} -> {outChannels})");
        Stride = stride;
        PadBefore = (outChannels - inChannels) / 2;
        PadAfter = outChannels - inChannels - PadBefore;
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        // intermediates released at once, as in TensorOps
        var x = input;
        if (Stride != 1)
        {
            var shape = input.Shape;
            var rows = input.Slice(2, 0, shape[2], Stride);
            x = rows.Slice(3, 0, shape[3], Stride);
            rows.ReleaseIfTemporary();
        }
        if (PadBefore + PadAfter == 0) return x;
        var padded = x.Pad(new long[] { 0, 0, 0, 0, PadBefore, PadAfter });
        if (!ReferenceEquals(x, input)) x.ReleaseIfTemporary();
        return padded;
    }
}

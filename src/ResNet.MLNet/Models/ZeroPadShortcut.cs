using ResNet.MLNet.Export;
using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Modules;

namespace ResNet.MLNet.Models;

/// <summary>
/// The identity path of a residual block whose shape changes, option A: take every stride-th pixel and zero-pad the
/// new channels equally on both sides. No parameters.
/// </summary>
public sealed class ZeroPadShortcut : Module, IOnnxExportable
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

    string IOnnxExportable.ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        var shape = graph.ShapeOf(input);
        var x = input;
        if (_stride != 1)
        {
            shape[2] = (shape[2] + _stride - 1) / _stride;
            shape[3] = (shape[3] + _stride - 1) / _stride;
            x = graph.Node("Slice", new[]
            {
                x, graph.Constant("starts", new long[] { 0, 0 }, 2), graph.Constant("ends", new long[] { long.MaxValue, long.MaxValue }, 2),
                graph.Constant("axes", new long[] { 2, 3 }, 2), graph.Constant("steps", new long[] { _stride, _stride }, 2),
            }, shape);
        }
        if (_padBefore + _padAfter == 0) return x;
        shape[1] += _padBefore + _padAfter;
        // pads lists the starts of every axis, then the ends: only the channel axis grows
        return graph.Node("Pad", new[] { x, graph.Constant("pads", new long[] { 0, _padBefore, 0, 0, 0, _padAfter, 0, 0 }, 8) }, shape);
    }
}

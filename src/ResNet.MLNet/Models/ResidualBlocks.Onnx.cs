using ResNet.MLNet.Export;

namespace ResNet.MLNet.Models;

// ONNX export of the residual units and networks, mirroring their Forward methods step by step (evaluation mode).

public sealed partial class ZeroPadShortcut : IOnnxExportable
{
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

public sealed partial class BasicBlock : IOnnxExportable
{
    string IOnnxExportable.ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        var branch = graph.Relu(graph.Export(Bn1, graph.Export(Conv1, input)));
        branch = graph.Export(Bn2, graph.Export(Conv2, branch));
        var identity = Downsample != null ? graph.Export(Downsample, input) : input;
        return graph.Relu(graph.Add(branch, identity));
    }
}

public sealed partial class BottleneckBlock : IOnnxExportable
{
    string IOnnxExportable.ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        var branch = graph.Relu(graph.Export(Bn1, graph.Export(Conv1, input)));
        branch = graph.Relu(graph.Export(Bn2, graph.Export(Conv2, branch)));
        branch = graph.Export(Bn3, graph.Export(Conv3, branch));
        var identity = Downsample != null ? graph.Export(Downsample, input) : input;
        return graph.Relu(graph.Add(branch, identity));
    }
}

public sealed partial class ResidualUnit : IOnnxExportable
{
    string IOnnxExportable.ExportOnnx(OnnxGraphBuilder graph, string input) =>
        Kind == UnitKind.FullPreActivation ? ExportPreActivated(graph, input) : ExportPostActivated(graph, input);

    private string Drop(OnnxGraphBuilder graph, string x) => _dropout != null ? graph.Export(_dropout, x) : x;

    private string ExportPreActivated(OnnxGraphBuilder graph, string input)
    {
        var activated = _norms[0] is { } first ? graph.Relu(graph.Export(first, input)) : input;
        var x = graph.Export(_convs[0], activated);
        for (int i = 1; i < _convs.Length; i++)
            x = graph.Export(_convs[i], Drop(graph, graph.Relu(graph.Export(_norms[i]!, x))));
        if (IsPlain) return x;
        var shortcut = Downsample != null ? graph.Export(Downsample, activated) : input;
        return graph.Add(x, shortcut);
    }

    private string ExportPostActivated(OnnxGraphBuilder graph, string input)
    {
        var x = input;
        int last = _convs.Length - 1;
        for (int i = 0; i <= last; i++)
        {
            if (Kind == UnitKind.ReluOnlyPreActivation) x = graph.Relu(x);
            if (i > 0) x = Drop(graph, x);
            x = graph.Export(_convs[i], x);
            if (Kind == UnitKind.BnAfterAddition && i == last) break;
            x = graph.Export(_norms[i]!, x);
            if (Kind != UnitKind.ReluOnlyPreActivation && (i < last || Kind == UnitKind.ReluBeforeAddition)) x = graph.Relu(x);
        }
        if (!IsPlain) x = graph.Add(x, Downsample != null ? graph.Export(Downsample, input) : input);
        return Kind switch
        {
            UnitKind.Original => graph.Relu(x),
            UnitKind.BnAfterAddition => graph.Relu(graph.Export(_norms[last]!, x)),
            _ => x,
        };
    }
}

public sealed partial class ResNet : IOnnxExportable
{
    string IOnnxExportable.ExportOnnx(OnnxGraphBuilder graph, string input) => graph.Export(Fc, ExportFeatures(graph, input));

    /// <summary>Adds the nodes of <see cref="Features"/> (everything before the classifier) and returns the pooled
    /// features (N, F).</summary>
    internal string ExportFeatures(OnnxGraphBuilder graph, string input)
    {
        graph.Expect4D(input, Spec.InChannels, Spec.Name);
        var x = graph.Export(_relu, graph.Export(_bn1, graph.Export(_conv1, input)));
        if (_maxpool != null) x = graph.Export(_maxpool, x);
        foreach (var stage in _stages) x = graph.Export(stage, x);
        if (_finalNorm != null) x = graph.Export(_finalNorm, x);
        if (_finalRelu) x = graph.Export(_relu, x);
        return graph.Flatten(graph.Export(_avgpool, x));
    }
}

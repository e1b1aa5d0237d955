using ResNet.MLNet.Export;

namespace ResNet.MLNet.Torch.Modules;

// ONNX export of the layers (evaluation semantics); see IOnnxExportable. Kept apart from the forward code so that
// each layer file reads as torch.nn does.

public sealed partial class Conv2d : IOnnxExportable
{
    string IOnnxExportable.ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        var shape = graph.Expect4D(input, InChannels, "Conv2d");
        var inputs = new List<string> { input, graph.Constant("weight", Weight) };
        if (Bias != null) inputs.Add(graph.Constant("bias", Bias));
        var output = new[]
        {
            shape[0], OutChannels,
            OnnxGraphBuilder.PooledSize(shape[2], KernelSize, Stride, Padding, Dilation, false),
            OnnxGraphBuilder.PooledSize(shape[3], KernelSize, Stride, Padding, Dilation, false),
        };
        return graph.Node("Conv", inputs, output,
            OnnxAttribute.Ints("dilations", Dilation, Dilation), OnnxAttribute.Int("group", Groups),
            OnnxAttribute.Ints("kernel_shape", KernelSize, KernelSize), OnnxAttribute.Ints("pads", Padding, Padding, Padding, Padding),
            OnnxAttribute.Ints("strides", Stride, Stride));
    }
}

public sealed partial class BatchNorm2d : IOnnxExportable
{
    // Inference form (running statistics); OnnxExporter folds it into a preceding Conv where it can.
    string IOnnxExportable.ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        var shape = graph.Expect4D(input, NumFeatures, "BatchNorm2d");
        return graph.Node("BatchNormalization",
            new[] { input, graph.Constant("weight", Weight), graph.Constant("bias", Bias), graph.Constant("running_mean", RunningMean), graph.Constant("running_var", RunningVar) },
            shape, OnnxAttribute.Float("epsilon", (float)Eps));
    }
}

public sealed partial class Linear : IOnnxExportable
{
    string IOnnxExportable.ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        var shape = graph.ShapeOf(input);
        if (shape.Length != 2 || shape[1] != InFeatures)
            throw new InvalidOperationException($"{graph.CurrentPath}: Linear expects (N, {InFeatures}) but the graph gives [{string.Join(", ", shape)}]");
        var inputs = new List<string> { input, graph.Constant("weight", Weight) };
        if (Bias != null) inputs.Add(graph.Constant("bias", Bias));
        // Gemm computes x·Wᵀ + b with the weight kept in PyTorch's (out, in) layout
        return graph.Node("Gemm", inputs, new[] { shape[0], (long)OutFeatures }, OnnxAttribute.Int("transB", 1));
    }
}

public sealed partial class ReLU : IOnnxExportable
{
    string IOnnxExportable.ExportOnnx(OnnxGraphBuilder graph, string input) => graph.Relu(input);
}

public sealed partial class MaxPool2d : IOnnxExportable
{
    string IOnnxExportable.ExportOnnx(OnnxGraphBuilder graph, string input) => graph.Pool("MaxPool", input, _kernel, _stride, _padding, false);
}

public sealed partial class AvgPool2d : IOnnxExportable
{
    string IOnnxExportable.ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        if (_ceil && _countIncludePad && _padding > 0)
            throw new NotSupportedException($"{graph.CurrentPath}: AvgPool2d with ceil mode, padding and count_include_pad divides partial windows differently in ONNX Runtime; not exported");
        return graph.Pool("AveragePool", input, _kernel, _stride, _padding, _ceil, OnnxAttribute.Int("count_include_pad", _countIncludePad ? 1 : 0));
    }
}

public sealed partial class AdaptiveAvgPool2d : IOnnxExportable
{
    string IOnnxExportable.ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        var shape = graph.ShapeOf(input);
        if (shape.Length != 4) throw new InvalidOperationException($"{graph.CurrentPath}: AdaptiveAvgPool2d needs a 4-D input, got [{string.Join(", ", shape)}]");
        long h = shape[2], w = shape[3];
        var output = new[] { shape[0], shape[1], _height, (long)_width };
        if (_height == 1 && _width == 1) return graph.Node("GlobalAveragePool", new[] { input }, output);
        if (h % _height == 0 && w % _width == 0)
        {
            long kh = h / _height, kw = w / _width;
            return graph.Node("AveragePool", new[] { input }, output,
                OnnxAttribute.Ints("kernel_shape", kh, kw), OnnxAttribute.Ints("strides", kh, kw));
        }
        // Windows of unequal size or overlapping (e.g. 1×1 → 7×7 in VGG at small inputs): with the input size fixed
        // at export, the pooling is a constant (H·W, oh·ow) averaging matrix applied to the flattened pixels.
        var averaging = new float[h * w * _height * _width];
        for (int i = 0; i < _height; i++)
        for (int j = 0; j < _width; j++)
        {
            long h0 = i * h / _height, h1 = ((i + 1) * h + _height - 1) / _height;
            long w0 = j * w / _width, w1 = ((j + 1) * w + _width - 1) / _width;
            float weight = 1f / ((h1 - h0) * (w1 - w0));
            for (long y = h0; y < h1; y++)
                for (long x = w0; x < w1; x++)
                    averaging[(y * w + x) * (_height * _width) + i * _width + j] = weight;
        }
        var flat = graph.Node("Reshape", new[] { input, graph.Constant("flat_shape", new long[] { 0, shape[1], h * w }, 3) }, new[] { shape[0], shape[1], h * w });
        var pooled = graph.Node("MatMul", new[] { flat, graph.Constant("averaging", averaging, h * w, _height * _width) },
            new[] { shape[0], shape[1], (long)_height * _width });
        return graph.Node("Reshape", new[] { pooled, graph.Constant("pooled_shape", new long[] { 0, shape[1], _height, _width }, 4) }, output);
    }
}

public sealed partial class Flatten : IOnnxExportable
{
    string IOnnxExportable.ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        var shape = graph.ShapeOf(input);
        int start = _start < 0 ? _start + shape.Length : _start, end = _end < 0 ? _end + shape.Length : _end;
        if (start == 1 && end == shape.Length - 1) return graph.Flatten(input);
        if (start < 1 || end >= shape.Length || start > end)
            throw new NotSupportedException($"{graph.CurrentPath}: Flatten({_start}, {_end}) of a {shape.Length}-D value merges the batch axis; not exported");
        var output = shape.Take(start).Append(shape.Skip(start).Take(end - start + 1).Aggregate(1L, (a, d) => a * d)).Concat(shape.Skip(end + 1)).ToArray();
        // 0 copies the (dynamic) batch dimension from the input
        var target = output.Select((d, i) => i == 0 ? 0L : d).ToArray();
        return graph.Node("Reshape", new[] { input, graph.Constant("shape", target, target.Length) }, output);
    }
}

public sealed partial class Dropout : IOnnxExportable
{
    // Evaluation mode: dropout is the identity.
    string IOnnxExportable.ExportOnnx(OnnxGraphBuilder graph, string input) => input;
}

public sealed partial class Identity : IOnnxExportable
{
    string IOnnxExportable.ExportOnnx(OnnxGraphBuilder graph, string input) => input;
}

public sealed partial class Sequential : IOnnxExportable
{
    string IOnnxExportable.ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        var x = input;
        foreach (var layer in _layers) x = graph.Export(layer, x);
        return x;
    }
}

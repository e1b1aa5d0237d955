using ResNet.MLNet.Torch.Modules;

namespace ResNet.MLNet.Export;

/// <summary>
/// The ONNX form of the torch-layer modules (evaluation semantics: running BN statistics, dropout the identity).
/// The exporter knows the layers, as <c>torch.onnx</c>'s symbolic functions do; the layers themselves know nothing of
/// ONNX.
/// </summary>
internal static class LayerExport
{
    /// <summary>The nodes computing <paramref name="module"/> on <paramref name="input"/>; null when it is not a torch layer.</summary>
    internal static string? TryWrite(OnnxGraphBuilder graph, Module module, string input) => module switch
    {
        Conv2d conv => Conv(graph, conv, input),
        BatchNorm2d norm => BatchNorm(graph, norm, input),
        Linear linear => Gemm(graph, linear, input),
        ReLU => graph.Relu(input),
        MaxPool2d pool => graph.Pool("MaxPool", input, pool.KernelSize, pool.Stride, pool.Padding, false),
        AvgPool2d pool => AveragePool(graph, pool, input),
        AdaptiveAvgPool2d pool => AdaptiveAveragePool(graph, pool, input),
        Flatten flatten => Flatten(graph, flatten, input),
        Dropout or Identity => input,
        Sequential sequence => sequence.Layers.Aggregate(input, (x, layer) => graph.Export(layer, x)),
        _ => null,
    };

    private static string Conv(OnnxGraphBuilder graph, Conv2d conv, string input)
    {
        var shape = graph.Expect4D(input, conv.InChannels, "Conv2d");
        var inputs = new List<string> { input, graph.Constant("weight", conv.Weight) };
        if (conv.Bias != null) inputs.Add(graph.Constant("bias", conv.Bias));
        var output = new[]
        {
            shape[0], conv.OutChannels,
            OnnxGraphBuilder.PooledSize(shape[2], conv.KernelSize, conv.Stride, conv.Padding, conv.Dilation, false),
            OnnxGraphBuilder.PooledSize(shape[3], conv.KernelSize, conv.Stride, conv.Padding, conv.Dilation, false),
        };
        return graph.Node("Conv", inputs, output,
            OnnxAttribute.Ints("dilations", conv.Dilation, conv.Dilation), OnnxAttribute.Int("group", conv.Groups),
            OnnxAttribute.Ints("kernel_shape", conv.KernelSize, conv.KernelSize),
            OnnxAttribute.Ints("pads", conv.Padding, conv.Padding, conv.Padding, conv.Padding),
            OnnxAttribute.Ints("strides", conv.Stride, conv.Stride));
    }

    // Inference form (running statistics); OnnxExporter folds it into a preceding Conv where it can.
    private static string BatchNorm(OnnxGraphBuilder graph, BatchNorm2d norm, string input)
    {
        var shape = graph.Expect4D(input, norm.NumFeatures, "BatchNorm2d");
        return graph.Node("BatchNormalization",
            new[]
            {
                input, graph.Constant("weight", norm.Weight), graph.Constant("bias", norm.Bias),
                graph.Constant("running_mean", norm.RunningMean), graph.Constant("running_var", norm.RunningVar),
            },
            shape, OnnxAttribute.Float("epsilon", (float)norm.Eps));
    }

    private static string Gemm(OnnxGraphBuilder graph, Linear linear, string input)
    {
        var shape = graph.ShapeOf(input);
        if (shape.Length != 2 || shape[1] != linear.InFeatures)
            throw new InvalidOperationException($"{graph.CurrentPath}: Linear expects (N, {linear.InFeatures}) but the graph gives [{string.Join(", ", shape)}]");
        var inputs = new List<string> { input, graph.Constant("weight", linear.Weight) };
        if (linear.Bias != null) inputs.Add(graph.Constant("bias", linear.Bias));
        // Gemm computes x·Wᵀ + b with the weight kept in PyTorch's (out, in) layout
        return graph.Node("Gemm", inputs, new[] { shape[0], (long)linear.OutFeatures }, OnnxAttribute.Int("transB", 1));
    }

    private static string AveragePool(OnnxGraphBuilder graph, AvgPool2d pool, string input)
    {
        if (pool.CeilMode && pool.CountIncludePad && pool.Padding > 0)
            throw new NotSupportedException($"{graph.CurrentPath}: AvgPool2d with ceil mode, padding and count_include_pad divides partial windows differently in ONNX Runtime; not exported");
        return graph.Pool("AveragePool", input, pool.KernelSize, pool.Stride, pool.Padding, pool.CeilMode,
            OnnxAttribute.Int("count_include_pad", pool.CountIncludePad ? 1 : 0));
    }

    private static string AdaptiveAveragePool(OnnxGraphBuilder graph, AdaptiveAvgPool2d pool, string input)
    {
        var shape = graph.ShapeOf(input);
        if (shape.Length != 4) throw new InvalidOperationException($"{graph.CurrentPath}: AdaptiveAvgPool2d needs a 4-D input, got [{string.Join(", ", shape)}]");
        long h = shape[2], w = shape[3];
        int oh = pool.OutputHeight, ow = pool.OutputWidth;
        var output = new[] { shape[0], shape[1], oh, (long)ow };
        if (oh == 1 && ow == 1) return graph.Node("GlobalAveragePool", new[] { input }, output);
        if (h % oh == 0 && w % ow == 0)
        {
            long kh = h / oh, kw = w / ow;
            return graph.Node("AveragePool", new[] { input }, output,
                OnnxAttribute.Ints("kernel_shape", kh, kw), OnnxAttribute.Ints("strides", kh, kw));
        }
        // Windows of unequal size or overlapping (e.g. 1×1 → 7×7 in VGG at small inputs): with the input size fixed
        // at export, the pooling is a constant (H·W, oh·ow) averaging matrix applied to the flattened pixels.
        var averaging = new float[h * w * oh * ow];
        for (int i = 0; i < oh; i++)
        for (int j = 0; j < ow; j++)
        {
            long h0 = i * h / oh, h1 = ((i + 1) * h + oh - 1) / oh;
            long w0 = j * w / ow, w1 = ((j + 1) * w + ow - 1) / ow;
            float weight = 1f / ((h1 - h0) * (w1 - w0));
            for (long y = h0; y < h1; y++)
                for (long x = w0; x < w1; x++)
                    averaging[(y * w + x) * (oh * ow) + i * ow + j] = weight;
        }
        var flat = graph.Node("Reshape", new[] { input, graph.Constant("flat_shape", new long[] { 0, shape[1], h * w }, 3) }, new[] { shape[0], shape[1], h * w });
        var pooled = graph.Node("MatMul", new[] { flat, graph.Constant("averaging", averaging, h * w, oh * ow) },
            new[] { shape[0], shape[1], (long)oh * ow });
        return graph.Node("Reshape", new[] { pooled, graph.Constant("pooled_shape", new long[] { 0, shape[1], oh, ow }, 4) }, output);
    }

    private static string Flatten(OnnxGraphBuilder graph, Flatten flatten, string input)
    {
        var shape = graph.ShapeOf(input);
        int start = flatten.StartDim < 0 ? flatten.StartDim + shape.Length : flatten.StartDim;
        int end = flatten.EndDim < 0 ? flatten.EndDim + shape.Length : flatten.EndDim;
        if (start == 1 && end == shape.Length - 1) return graph.Flatten(input);
        if (start < 1 || end >= shape.Length || start > end)
            throw new NotSupportedException($"{graph.CurrentPath}: Flatten({flatten.StartDim}, {flatten.EndDim}) of a {shape.Length}-D value merges the batch axis; not exported");
        var output = shape.Take(start).Append(shape.Skip(start).Take(end - start + 1).Aggregate(1L, (a, d) => a * d)).Concat(shape.Skip(end + 1)).ToArray();
        // 0 copies the (dynamic) batch dimension from the input
        var target = output.Select((d, i) => i == 0 ? 0L : d).ToArray();
        return graph.Node("Reshape", new[] { input, graph.Constant("shape", target, target.Length) }, output);
    }
}

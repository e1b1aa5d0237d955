using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace ResNet.MLNet.Export;

/// <summary>
/// Rewrites a built float graph into ONNX Runtime's QDQ form (see <see cref="OnnxQuantization"/>): calibrates the
/// activations that integer kernels would read by running the float graph in ONNX Runtime, then inserts
/// QuantizeLinear/DequantizeLinear pairs after them and quantizes the weights of the convolutions and the classifier.
/// The float operators stay in the graph; ONNX Runtime replaces each DequantizeLinear → op → QuantizeLinear pattern by
/// its integer kernel when it loads the model, and runs anything else in float between the pairs.
/// </summary>
internal static class OnnxQuantizer
{
    // Operators whose float inputs get a QDQ pair: those ONNX Runtime runs in integers when they sit between pairs.
    private static readonly HashSet<string> IntegerOps = new(StringComparer.Ordinal)
    {
        "Conv", "Gemm", "Add", "MaxPool", "AveragePool", "GlobalAveragePool", "Flatten", "Slice", "Pad",
    };

    private const int WeightLimit = 127;       // int8, symmetric: [-127, 127]

    /// <summary>
    /// The float values to quantize, in graph order: the graph input and the node outputs that an integer operator
    /// reads, except graph outputs. A value only Relu reads is left alone: the Relu's output is quantized instead, and
    /// ONNX Runtime folds a Relu into the QuantizeLinear after it (whose zero point is then 0).
    /// </summary>
    public static IReadOnlyList<string> Activations(OnnxGraphBuilder graph, string graphInput, IReadOnlyCollection<string> graphOutputs)
    {
        var readers = graph.Nodes
            .SelectMany(n => n.Inputs.Where(i => i.Length > 0).Select(i => (Value: i, n.OpType)))
            .ToLookup(r => r.Value, r => r.OpType, StringComparer.Ordinal);
        return graph.Nodes.SelectMany(n => n.Outputs).Prepend(graphInput)
            .Where(v => !graphOutputs.Contains(v) && graph.TypeOf(v) == OnnxElementType.Float)
            .Where(v => readers[v].Any(IntegerOps.Contains))
            .ToList();
    }

    /// <summary>The minimum and maximum of each of <paramref name="values"/> over the calibration images, from the
    /// float <paramref name="model"/> (which declares them as outputs).</summary>
    public static Dictionary<string, (float Min, float Max)> Calibrate(byte[] model, string inputName, long[] imageShape,
        OnnxQuantization quantization, IReadOnlyList<string> values)
    {
        long imageSize = imageShape[1] * imageShape[2] * imageShape[3];
        var pixels = quantization.CalibrationImages;
        using var options = new SessionOptions
        {
            IntraOpNumThreads = quantization.Threads, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
            // the values to calibrate must survive as they are: no fusion may remove them
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL,
        };
        using var session = new InferenceSession(model, options);
        var ranges = values.ToDictionary(v => v, _ => (Min: float.PositiveInfinity, Max: float.NegativeInfinity), StringComparer.Ordinal);
        int images = (int)(pixels.Length / imageSize);
        using var runOptions = new RunOptions();
        var inputNames = new[] { inputName };
        var outputNames = values.ToArray();
        for (int start = 0; start < images; start += quantization.CalibrationBatchSize)
        {
            int count = Math.Min(quantization.CalibrationBatchSize, images - start);
            var batch = pixels.Slice((int)(start * imageSize), (int)(count * imageSize)).ToArray();
            using var input = OrtValue.CreateTensorValueFromMemory(batch, new long[] { count, imageShape[1], imageShape[2], imageShape[3] });
            using var outputs = session.Run(runOptions, inputNames, new[] { input }, outputNames);
            for (int i = 0; i < values.Count; i++)
            {
                var data = outputs[i].GetTensorDataAsSpan<float>();
                var (min, max) = ranges[values[i]];
                foreach (var x in data)
                {
                    if (!float.IsFinite(x))
                        throw new InvalidOperationException($"quantization calibration: '{values[i]}' is {x} on calibration images {start}–{start + count - 1}; the model or the images are not finite");
                    if (x < min) min = x;
                    if (x > max) max = x;
                }
                ranges[values[i]] = (min, max);
            }
        }
        return ranges;
    }

    /// <summary>Rewrites <paramref name="graph"/> in place: a QDQ pair after every value of <paramref name="ranges"/>,
    /// read by every node in place of the value, and int8 weights and int32 biases for the convolutions and the
    /// classifier whose input is quantized.</summary>
    public static void Rewrite(OnnxGraphBuilder graph, IReadOnlyDictionary<string, (float Min, float Max)> ranges)
    {
        var rewritten = new List<OnnxNode>(graph.Nodes.Count * 3);
        var dequantized = new Dictionary<string, string>(StringComparer.Ordinal);
        var scales = new Dictionary<string, float>(StringComparer.Ordinal);
        var produced = graph.Nodes.SelectMany(n => n.Outputs).ToHashSet(StringComparer.Ordinal);
        foreach (var graphInput in ranges.Keys.Where(v => !produced.Contains(v)))
            QuantizeActivation(graphInput);
        foreach (var node in graph.Nodes)
        {
            var floatInput = node.Inputs.Count > 0 ? node.Inputs[0] : "";
            for (int i = 0; i < node.Inputs.Count; i++)
                if (dequantized.TryGetValue(node.Inputs[i], out var d)) node.Inputs[i] = d;
            if (node.OpType is "Conv" or "Gemm" && scales.TryGetValue(floatInput, out var inputScale))
            {
                // a convolution's weight (out, in/groups, kH, kW) and a Gemm's (out, in) with transB = 1 both have
                // the output channel on axis 0: one scale per output channel
                var weightScales = QuantizeWeight(graph, rewritten, node, 1);
                if (node.Inputs.Count > 2) QuantizeBias(graph, rewritten, node, 2, weightScales.Select(s => s * inputScale).ToArray());
            }
            rewritten.Add(node);
            foreach (var output in node.Outputs)
                if (ranges.ContainsKey(output)) QuantizeActivation(output);
        }
        graph.Nodes.Clear();
        graph.Nodes.AddRange(rewritten);

        void QuantizeActivation(string value)
        {
            var (scale, zeroPoint) = OnnxQuantization.ActivationParameters(ranges[value].Min, ranges[value].Max);
            scales[value] = scale;
            var s = graph.Constant(value + ".scale", new[] { scale });
            var z = graph.AddInitializer(value + ".zero_point", OnnxElementType.UInt8, Array.Empty<long>(), new[] { zeroPoint });
            var shape = graph.ShapeOf(value);
            var q = graph.CreateNode(value + ".quantized", "QuantizeLinear", new[] { value, s, z }, shape, OnnxElementType.UInt8);
            var dq = graph.CreateNode(value + ".dequantized", "DequantizeLinear", new[] { q.Outputs[0], s, z }, shape, OnnxElementType.Float);
            rewritten.Add(q);
            rewritten.Add(dq);
            dequantized[value] = dq.Outputs[0];
        }
    }

    // Replaces the float weight input by DequantizeLinear(int8 weight, per-channel scales, zero points 0, axis 0);
    // returns the scales.
    private static float[] QuantizeWeight(OnnxGraphBuilder graph, List<OnnxNode> into, OnnxNode node, int input)
    {
        var weight = graph.Initializers[node.Inputs[input]];
        var values = weight.Floats;
        int channels = (int)weight.Dims[0];
        int perChannel = values.Length / channels;
        var scales = new float[channels];
        var quantized = new sbyte[values.Length];
        for (int c = 0; c < channels; c++)
        {
            var row = values.Slice(c * perChannel, perChannel);
            float absMax = 0;
            foreach (var w in row) absMax = Math.Max(absMax, Math.Abs(w));
            scales[c] = absMax > 0 ? absMax / WeightLimit : 1f;
            for (int k = 0; k < perChannel; k++)
                quantized[c * perChannel + k] = (sbyte)Math.Clamp(Math.Round(row[k] / scales[c], MidpointRounding.ToEven), -WeightLimit, WeightLimit);
        }
        node.Inputs[input] = Dequantize(graph, into, weight.Name, OnnxElementType.Int8, weight.Dims, MemoryMarshal.AsBytes(quantized.AsSpan()).ToArray(),
            scales, new byte[channels]);
        return scales;
    }

    // Replaces the float bias by DequantizeLinear(int32 bias, input scale × weight scale per channel, zero points 0).
    private static void QuantizeBias(OnnxGraphBuilder graph, List<OnnxNode> into, OnnxNode node, int input, float[] scales)
    {
        var bias = graph.Initializers[node.Inputs[input]];
        var values = bias.Floats;
        var quantized = new int[values.Length];
        for (int c = 0; c < values.Length; c++)
            quantized[c] = (int)Math.Clamp(Math.Round(values[c] / (double)scales[c], MidpointRounding.ToEven), int.MinValue + 1, int.MaxValue);
        node.Inputs[input] = Dequantize(graph, into, bias.Name, OnnxElementType.Int32, bias.Dims, MemoryMarshal.AsBytes(quantized.AsSpan()).ToArray(),
            scales, new byte[values.Length * sizeof(int)]);
    }

    private static string Dequantize(OnnxGraphBuilder graph, List<OnnxNode> into, string name, OnnxElementType type, long[] dims, byte[] raw,
        float[] scales, byte[] zeroPoints)
    {
        graph.RemoveInitializer(name);
        var q = graph.AddInitializer(name + ".quantized", type, dims, raw);
        var s = graph.Constant(name + ".scale", scales, scales.Length);
        var z = graph.AddInitializer(name + ".zero_point", type, new long[] { scales.Length }, zeroPoints);
        var dq = graph.CreateNode(name + ".dequantized", "DequantizeLinear", new[] { q, s, z }, dims, OnnxElementType.Float, OnnxAttribute.Int("axis", 0));
        into.Add(dq);
        return dq.Outputs[0];
    }
}

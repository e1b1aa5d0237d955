using System.Reflection;
using Module = ResNet.MLNet.Torch.Modules.Module;
using Google.Protobuf;

namespace ResNet.MLNet.Export;

/// <summary>
/// Writes a network as an ONNX model (IR version 8, opset 13) that ONNX Runtime, ML.NET's <c>ApplyOnnxModel</c> and
/// the <c>onnx</c> checker accept: evaluation-mode semantics (running BN statistics, dropout off) whatever the
/// module's mode, BNs folded into the convolutions before them (<see cref="Models.BatchNormFolding"/>), optional mean/std normalisation as the first nodes,
/// logits, softmax probabilities and/or the predicted index as outputs, and the caller's metadata. The model is
/// only read, never modified.
/// </summary>
public static class OnnxExporter
{
    /// <summary>The symbolic name of the dynamic batch axis in the graph's inputs and outputs.</summary>
    public const string BatchAxisName = "N";

    /// <summary>
    /// Exports <paramref name="model"/> and returns the encoded ONNX model. Throws <see cref="NotSupportedException"/>
    /// naming the path and type of the first module that does not implement <see cref="IOnnxExportable"/>, and
    /// <see cref="ArgumentException"/> for inconsistent options.
    /// </summary>
    public static byte[] Export(Module model, OnnxExportOptions options) => Build(model, options).ToByteArray();

    /// <summary>
    /// Exports <paramref name="model"/> to <paramref name="path"/> atomically: the model is written to a temporary
    /// file beside it and moved into place, so a reader never sees a partial file and a failure leaves any previous
    /// file untouched.
    /// </summary>
    public static void Export(Module model, OnnxExportOptions options, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var message = Build(model, options);
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                var output = new CodedOutputStream(file, leaveOpen: true);
                message.WriteTo(output);
                output.Flush();
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temporary); } catch (IOException) { }
            throw;
        }
    }

    private static ProtoMessage Build(Module model, OnnxExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        var outputs = Validate(options);
        using var folded = options.FoldBatchNorm ? Models.BatchNormFolding.FoldedCopy(model) : null;
        model = folded ?? model;
        var input = new OnnxModelProto.ValueDeclaration(options.InputName, OnnxElementType.Float, new long[] { -1, options.Channels, options.Height, options.Width });
        var graph = new OnnxGraphBuilder(model, outputs.Append(options.InputName));
        graph.DeclareInput(input.Name, input.Type, input.Shape);

        var x = options.Mean != null ? Normalise(graph, options.InputName, options.Mean, options.Std!) : options.InputName;
        var declared = new List<OnnxModelProto.ValueDeclaration>();
        string? features = null;
        if (options.FeaturesName != null)
        {
            if (model is not Models.ResNet net)
                throw new ArgumentException($"OnnxExportOptions.FeaturesName needs a ResNet (its pooled features feed the classifier); got {model.GetType().Name}");
            features = NetworkExport.Features(graph, net, x);
            if (outputs.Count == 1)
            {
                var shape = graph.ShapeOf(features);
                declared.Add(new(graph.Rename(features, options.FeaturesName), OnnxElementType.Float, shape));
                return Finish(graph, options, input, declared);
            }
        }
        var logits = features == null ? graph.Export(model, x) : graph.Export(((Models.ResNet)model).Fc, features);
        var logitsShape = graph.ShapeOf(logits);
        if (logitsShape.Length != 2)
            throw new InvalidOperationException($"{model.GetType().Name} gives an output of shape [{string.Join(", ", logitsShape)}] in the graph; (N, classes) was expected");
        if (features != null)
        {
            var featuresShape = graph.ShapeOf(features);
            declared.Add(new(graph.Rename(features, options.FeaturesName!), OnnxElementType.Float, featuresShape));
        }
        if (options.LogitsName != null)
        {
            logits = graph.Rename(logits, options.LogitsName);
            declared.Add(new(logits, OnnxElementType.Float, logitsShape));
        }
        if (options.ProbabilitiesName != null)
        {
            var p = graph.Rename(graph.Node("Softmax", new[] { logits }, logitsShape, OnnxAttribute.Int("axis", 1)), options.ProbabilitiesName);
            declared.Add(new(p, OnnxElementType.Float, logitsShape));
        }
        if (options.PredictedIndexName != null)
        {
            var shape = new[] { logitsShape[0] };
            var index = graph.Node("ArgMax", new[] { logits }, shape, OnnxElementType.Int64, OnnxAttribute.Int("axis", 1), OnnxAttribute.Int("keepdims", 0));
            declared.Add(new(graph.Rename(index, options.PredictedIndexName), OnnxElementType.Int64, shape));
        }
        return Finish(graph, options, input, declared);
    }

    private static ProtoMessage Finish(OnnxGraphBuilder graph, OnnxExportOptions options, OnnxModelProto.ValueDeclaration input,
        List<OnnxModelProto.ValueDeclaration> declared)
    {
        if (options.Quantization is { } quantization)
        {
            // calibrate on the float graph with every activation to quantize as an extra output, then rewrite it
            var activations = OnnxQuantizer.Activations(graph, input.Name, declared.Select(d => d.Name).ToHashSet(StringComparer.Ordinal));
            var probe = OnnxModelProto.Build(graph, options.GraphName, new[] { input },
                declared.Concat(activations.Select(a => new OnnxModelProto.ValueDeclaration(a, OnnxElementType.Float, graph.ShapeOf(a)))).ToList(),
                BatchAxisName, LibraryVersion, null).ToByteArray();
            var ranges = OnnxQuantizer.Calibrate(probe, input.Name, input.Shape, quantization, activations);
            OnnxQuantizer.Rewrite(graph, ranges);
        }
        return OnnxModelProto.Build(graph, options.GraphName, new[] { input }, declared, BatchAxisName, LibraryVersion, options.Metadata);
    }

    /// <summary>The library's version as written in <c>producer_version</c>.</summary>
    public static string LibraryVersion { get; } =
        typeof(OnnxExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "0";

    private static string Normalise(OnnxGraphBuilder graph, string input, IReadOnlyList<float> mean, IReadOnlyList<float> std)
    {
        var shape = graph.ShapeOf(input);
        long channels = shape[1];
        var centred = graph.Node("Sub", new[] { input, graph.Constant("mean", mean.ToArray(), 1, channels, 1, 1) }, shape);
        // a division rather than a multiplication by 1/std, so the graph matches (x - mean) / std to the last bit
        return graph.Node("Div", new[] { centred, graph.Constant("std", std.ToArray(), 1, channels, 1, 1) }, shape);
    }

    private static int FirstNonFinite(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i])) return i;
        return -1;
    }

    private static List<string> Validate(OnnxExportOptions o)
    {
        if (string.IsNullOrWhiteSpace(o.InputName)) throw new ArgumentException("OnnxExportOptions.InputName must not be empty");
        if (o.Channels < 1 || o.Height < 1 || o.Width < 1)
            throw new ArgumentException($"OnnxExportOptions: Channels, Height and Width must be positive, got {o.Channels}×{o.Height}×{o.Width}");
        if ((o.Mean == null) != (o.Std == null)) throw new ArgumentException("OnnxExportOptions: set both Mean and Std, or neither");
        if (o.Mean != null && (o.Mean.Count != o.Channels || o.Std!.Count != o.Channels))
            throw new ArgumentException($"OnnxExportOptions: Mean and Std need {o.Channels} values (one per channel), got {o.Mean.Count} and {o.Std!.Count}");
        if (o.Std != null && o.Std.Any(s => !(s > 0) || float.IsInfinity(s)))
            throw new ArgumentException($"OnnxExportOptions: every Std value must be positive and finite, got [{string.Join(", ", o.Std)}]");
        var outputs = new[] { o.LogitsName, o.ProbabilitiesName, o.PredictedIndexName, o.FeaturesName }.Where(n => n != null).Select(n => n!).ToList();
        if (outputs.Count == 0) throw new ArgumentException("OnnxExportOptions: LogitsName, ProbabilitiesName, PredictedIndexName and FeaturesName are all null; the graph needs an output");
        if (outputs.Any(string.IsNullOrWhiteSpace)) throw new ArgumentException("OnnxExportOptions: output names must not be empty");
        if (o.Quantization is { } q)
        {
            long imageSize = (long)o.Channels * o.Height * o.Width;
            if (q.CalibrationImages.Length == 0 || q.CalibrationImages.Length % imageSize != 0)
                throw new ArgumentException($"OnnxQuantization.CalibrationImages: {q.CalibrationImages.Length} values are not a whole number of {o.Channels}×{o.Height}×{o.Width} images (at least one)");
            if (q.CalibrationBatchSize < 1) throw new ArgumentException($"OnnxQuantization.CalibrationBatchSize must be positive, got {q.CalibrationBatchSize}");
            if (q.Threads < 1) throw new ArgumentException($"OnnxQuantization.Threads must be positive, got {q.Threads}");
            int bad = FirstNonFinite(q.CalibrationImages.Span);
            if (bad >= 0)
                throw new ArgumentException($"OnnxQuantization.CalibrationImages: value {bad} (image {bad / imageSize}) is {q.CalibrationImages.Span[bad]}, not finite");
        }
        var all = outputs.Append(o.InputName).ToList();
        var duplicate = all.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1);
        if (duplicate != null) throw new ArgumentException($"OnnxExportOptions: the name '{duplicate.Key}' is used twice among the input and outputs");
        return outputs;
    }
}

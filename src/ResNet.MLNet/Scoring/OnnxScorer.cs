using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

using ResNet.MLNet.Data;

namespace ResNet.MLNet.Scoring;

/// <summary>
/// Batched scoring of an ONNX image classifier (such as <see cref="Export.OnnxExporter"/> writes) with ONNX Runtime:
/// one <see cref="InferenceSession"/>, created once and reused; <see cref="Run(ReadOnlySpan{float}, int)"/> keeps no
/// per-call state in the object, so one scorer may be used from several threads at once. Sequential execution,
/// <see cref="OnnxScorerOptions.IntraOpThreads"/> threads per operator. To score on a GPU see
/// <see cref="OnnxScorerOptions"/>. A missing file gives <see cref="FileNotFoundException"/>, and a file or byte
/// array that is not a usable ONNX model (or over <see cref="InputLimits.MaxOnnxBytes"/>) <see cref="InvalidInputException"/>, both naming the source.
/// </summary>
public sealed class OnnxScorer : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string[] _inputNames, _outputNames;
    private readonly int _chunk;
    private bool _disposed;

    /// <summary>Where the model came from: its full path, or <c>(in-memory model)</c>.</summary>
    public string Source { get; }

    /// <summary>The graph input's name.</summary>
    public string InputName { get; }

    /// <summary>The input's shape (N, C, H, W); -1 marks the dynamic batch axis.</summary>
    public IReadOnlyList<long> InputShape { get; }

    /// <summary>Floats per image: C·H·W.</summary>
    public int InputSize { get; }

    /// <summary>The output <see cref="Run(ReadOnlySpan{float}, int)"/> returns.</summary>
    public string OutputName { get; }

    /// <summary>Floats per image in the returned output (the number of classes for probabilities or logits).</summary>
    public int OutputSize { get; }

    /// <summary>Every output of the model.</summary>
    public IReadOnlyList<string> OutputNames { get; }

    /// <summary>The model's <c>metadata_props</c> (ONNX Runtime's <c>ModelMetadata.CustomMetadataMap</c>).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The <c>producer_name</c> recorded in the model.</summary>
    public string ProducerName { get; }

    /// <summary>Loads the model at <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidInputException">The file is not a valid ONNX image classifier (truncated, corrupt, wrong input).</exception>
    public OnnxScorer(string path, OnnxScorerOptions? options = null)
        : this(Open(path), null, options) { }

    /// <summary>Loads a model from its encoded bytes.</summary>
    /// <exception cref="InvalidInputException">The bytes are not a valid ONNX image classifier.</exception>
    public OnnxScorer(byte[] model, OnnxScorerOptions? options = null)
        : this("(in-memory model)", model ?? throw new ArgumentNullException(nameof(model)), options) { }

    private static string Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"ONNX model file not found: {full}", full);
        return full;
    }

    private OnnxScorer(string source, byte[]? bytes, OnnxScorerOptions? options)
    {
        options ??= new OnnxScorerOptions();
        if (options.BatchSize < 1) throw new ArgumentException($"OnnxScorerOptions.BatchSize must be at least 1, got {options.BatchSize}");
        if (options.IntraOpThreads < 0) throw new ArgumentException($"OnnxScorerOptions.IntraOpThreads must not be negative, got {options.IntraOpThreads}");
        Source = source;
        // ONNX Runtime parses the whole protobuf at once: refuse an oversized graph before it is read.
        var limit = InputLimits.Default.MaxOnnxBytes;
        InputLimits.Check(source, "the ONNX graph's size in bytes,", bytes?.LongLength ?? new FileInfo(source).Length, limit, nameof(InputLimits.MaxOnnxBytes));
        using var sessionOptions = new SessionOptions
        {
            IntraOpNumThreads = options.IntraOpThreads,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = options.GraphOptimizationLevel,
            LogSeverityLevel = options.LogSeverity,
        };
        options.ConfigureSession?.Invoke(sessionOptions);
        try
        {
            _session = bytes != null ? new InferenceSession(bytes, sessionOptions) : new InferenceSession(source, sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidInputException(source, $"not a valid ONNX model: {e.Message}", e);
        }
        try
        {
            (InputName, InputShape, InputSize) = DescribeInput(_session, source);
            OutputNames = _session.OutputMetadata.Keys.ToList();
            (OutputName, OutputSize) = DescribeOutput(_session, source, options.OutputName);
            var metadata = _session.ModelMetadata;
            Metadata = new Dictionary<string, string>(metadata.CustomMetadataMap, StringComparer.Ordinal);
            ProducerName = metadata.ProducerName;
        }
        catch
        {
            _session.Dispose();
            throw;
        }
        _inputNames = new[] { InputName };
        _outputNames = new[] { OutputName };
        // a model with a fixed batch dimension (other exporters often write 1) is fed that many images per call
        _chunk = InputShape[0] > 0 ? (int)InputShape[0] : options.BatchSize;
    }

    private static (string, long[], int) DescribeInput(InferenceSession session, string source)
    {
        if (session.InputMetadata.Count != 1)
            throw new InvalidInputException(source, $"an image classifier has one input, this model has {session.InputMetadata.Count} ({string.Join(", ", session.InputMetadata.Keys)})");
        var (name, meta) = session.InputMetadata.First();
        var dims = meta.Dimensions.Select(d => (long)d).ToArray();
        if (!meta.IsTensor || meta.ElementDataType != TensorElementType.Float || dims.Length != 4 || dims.Skip(1).Any(d => d <= 0))
            throw new InvalidInputException(source, $"input '{name}' must be a float tensor (N, C, H, W) with fixed C, H and W; it is {meta.ElementDataType} [{string.Join(", ", dims)}]");
        return (name, dims, checked((int)(dims[1] * dims[2] * dims[3])));
    }

    private static (string, int) DescribeOutput(InferenceSession session, string source, string? requested)
    {
        var outputs = session.OutputMetadata;
        string name = requested
            ?? (outputs.ContainsKey("probabilities") ? "probabilities" : outputs.FirstOrDefault(o => o.Value.ElementDataType == TensorElementType.Float).Key)
            ?? throw new InvalidInputException(source, "the model has no float output");
        if (!outputs.TryGetValue(name, out var meta))
            throw new ArgumentException($"{source} has no output named '{name}'; it has {string.Join(", ", outputs.Keys)}");
        var dims = meta.Dimensions.Skip(1).Select(d => (long)d).ToArray();
        if (!meta.IsTensor || meta.ElementDataType != TensorElementType.Float || dims.Any(d => d <= 0))
            throw new InvalidInputException(source, $"output '{name}' must be a float tensor (N, ...) with fixed dimensions after the batch axis; it is {meta.ElementDataType} [{string.Join(", ", meta.Dimensions)}]");
        return (name, checked((int)dims.Aggregate(1L, (a, d) => a * d)));
    }

    /// <summary>
    /// Scores <paramref name="batch"/> images given as row-major (N, C, H, W) floats and returns the chosen output,
    /// row-major (N × <see cref="OutputSize"/>). Large batches go to ONNX Runtime in chunks of
    /// <see cref="OnnxScorerOptions.BatchSize"/>. Safe to call from several threads at once.
    /// </summary>
    public unsafe float[] Run(ReadOnlySpan<float> pixels, int batch)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (batch < 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "the batch size must not be negative");
        if (pixels.Length != (long)batch * InputSize)
            throw new ArgumentException($"{batch} image(s) of {InputShape[1]}×{InputShape[2]}×{InputShape[3]} need {(long)batch * InputSize} floats, got {pixels.Length}", nameof(pixels));
        if (InputShape[0] > 0 && batch % _chunk != 0)
            throw new ArgumentException($"{Source} has a fixed batch size of {_chunk}; {batch} image(s) is not a multiple of it", nameof(batch));
        var result = new float[(long)batch * OutputSize];
        using var runOptions = new RunOptions();
        fixed (float* data = pixels)
        {
            for (int start = 0; start < batch; start += _chunk)
            {
                int n = Math.Min(_chunk, batch - start);
                var shape = new long[] { n, InputShape[1], InputShape[2], InputShape[3] };
                // the input tensor views the caller's memory (pinned for the call): no copy of the pixels
                using var input = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, TensorElementType.Float, shape,
                    (IntPtr)(data + (long)start * InputSize), (long)n * InputSize * sizeof(float));
                IDisposableReadOnlyCollection<OrtValue> outputs;
                try
                {
                    outputs = _session.Run(runOptions, _inputNames, new[] { input }, _outputNames);
                }
                catch (OnnxRuntimeException e)
                {
                    // the input's shape was checked above, so a failure here is the model's (e.g. inconsistent shapes inside)
                    throw new InvalidInputException(Source, $"ONNX Runtime could not run the model: {e.Message}", e);
                }
                using (outputs)
                {
                    var scores = outputs[0].GetTensorDataAsSpan<float>();
                    if (scores.Length != n * OutputSize)
                        throw new InvalidInputException(Source, $"output '{OutputName}' gave {scores.Length} values for {n} image(s), expected {n * OutputSize}");
                    scores.CopyTo(result.AsSpan(start * OutputSize));
                }
            }
        }
        return result;
    }

    /// <summary>As <see cref="Run(ReadOnlySpan{float}, int)"/>.</summary>
    public float[] Run(float[] pixels, int batch) => Run(new ReadOnlySpan<float>(pixels ?? throw new ArgumentNullException(nameof(pixels))), batch);

    /// <summary>Releases the ONNX Runtime session.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _session.Dispose();
    }
}

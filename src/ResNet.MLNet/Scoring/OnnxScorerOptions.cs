using Microsoft.ML.OnnxRuntime;

namespace ResNet.MLNet.Scoring;

/// <summary>How an <see cref="OnnxScorer"/> sets up its ONNX Runtime session.</summary>
/// <remarks>
/// <para>Scoring on a GPU: reference the <c>Microsoft.ML.OnnxRuntime.Gpu</c> package instead of
/// <c>Microsoft.ML.OnnxRuntime</c> (same managed API, CUDA-enabled native library; it is not on this project's
/// feed, so the library does not reference it) and append the CUDA execution provider in
/// <see cref="ConfigureSession"/>:</para>
/// <code>
/// var options = new OnnxScorerOptions { ConfigureSession = s => s.AppendExecutionProvider_CUDA(0) };
/// using var scorer = new OnnxScorer("model.onnx", options);
/// </code>
/// <para>Nodes the CUDA provider cannot run fall back to the CPU provider. With the CPU-only package the call to
/// <c>AppendExecutionProvider_CUDA</c> throws, which the constructor reports.</para>
/// </remarks>
public sealed record OnnxScorerOptions
{
    /// <summary>Threads ONNX Runtime uses inside one operator. Default: <see cref="Environment.ProcessorCount"/>.</summary>
    public int IntraOpThreads { get; init; } = Environment.ProcessorCount;

    /// <summary>Graph optimisations applied when the session is created. Default <see cref="GraphOptimizationLevel.ORT_ENABLE_ALL"/>.</summary>
    public GraphOptimizationLevel GraphOptimizationLevel { get; init; } = GraphOptimizationLevel.ORT_ENABLE_ALL;

    /// <summary>The least severe ONNX Runtime message printed (to stderr). Default
    /// <see cref="OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR"/>, so normal runs print nothing.</summary>
    public OrtLoggingLevel LogSeverity { get; init; } = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR;

    /// <summary>Images per ONNX Runtime call when <see cref="OnnxScorer.Run(ReadOnlySpan{float}, int)"/> is given more. Default 64.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>
    /// The output <see cref="OnnxScorer.Run(ReadOnlySpan{float}, int)"/> returns; null (default) picks
    /// <c>probabilities</c> when the model has it, else the model's first float output.
    /// </summary>
    public string? OutputName { get; init; }

    /// <summary>
    /// Called with the session options after the settings above are applied and before the session is created:
    /// the place to append an execution provider (CUDA, see the remarks) or set session configuration entries.
    /// Default null.
    /// </summary>
    public Action<SessionOptions>? ConfigureSession { get; init; }
}

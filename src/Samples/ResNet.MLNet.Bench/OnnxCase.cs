using Microsoft.ML.OnnxRuntime;
using ResNet.MLNet.Engine;
using ResNet.MLNet.Export;
using ResNet.MLNet.Models;
using ResNet.MLNet.Scoring;
using ResNet.MLNet.Torch;

namespace ResNet.MLNet.Bench;

/// <summary>
/// The three scorers of an inference <see cref="BenchCase"/> on one exported model and one fixed batch: our
/// <see cref="OnnxScorer"/> (on the int8 export of the same network in an int8 row), a plain <see cref="InferenceSession"/> on the same file with the same settings (the
/// floor our wrapper is measured against), and our libtorch <see cref="Scorer"/> (BN folded, channels-last).
/// </summary>
public sealed class OnnxCase : IDisposable
{
    private readonly ResNet.MLNet.Models.ResNet _model;
    private readonly float[] _pixels;
    private readonly long[] _shape;
    private readonly OnnxScorer _ours;
    private readonly InferenceSession _raw;
    private readonly Scorer _libtorch;
    private readonly Tensor _images;
    private readonly string _path;

    /// <summary>Builds the model, exports it to a temporary file and opens the three scorers with <paramref name="threads"/>
    /// threads; <paramref name="channelsLast"/> is the libtorch scorer's memory format.</summary>
    public OnnxCase(BenchCase benchCase, int threads, bool channelsLast = true)
    {
        if (benchCase.IsTraining) throw new ArgumentException($"{benchCase.Name} is a training case; ONNX rows are inference only");
        _model = benchCase.CreateModel();
        _model.Eval();
        _shape = new long[] { benchCase.Batch, benchCase.Shape[0], benchCase.Shape[1], benchCase.Shape[2] };
        using (var scope = TensorScope.Begin())
        {
            _images = Tensor.Randn(_shape).DetachFromScope();
            _pixels = _images.ToArray<float>();
        }
        _path = Path.Combine(Path.GetTempPath(), $"resnet-bench-{benchCase.Name}-{Environment.ProcessId}.onnx");
        var export = new OnnxExportOptions { Channels = benchCase.Shape[0], Height = benchCase.Shape[1], Width = benchCase.Shape[2] };
        OnnxExporter.Export(_model, export, _path);
        // the whole case batch in one call, as the raw session gets it: the ratio measures the wrapper, not chunking
        var scoring = new OnnxScorerOptions { IntraOpThreads = threads, BatchSize = benchCase.Batch };
        _ours = benchCase.IsInt8
            ? new OnnxScorer(OnnxExporter.Export(_model, export with
            {
                // calibrated on random images like the batch (the weights are random too: this row measures speed only)
                Quantization = new OnnxQuantization { CalibrationImages = Calibration(benchCase), Threads = threads },
            }), scoring)
            : new OnnxScorer(_path, scoring);
        using var options = new SessionOptions
        {
            IntraOpNumThreads = threads, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        _raw = new InferenceSession(_path, options);
        _libtorch = new Scorer(_model, channelsLast: channelsLast);
    }

    private static float[] Calibration(BenchCase benchCase)
    {
        using var scope = TensorScope.Begin();
        return Tensor.Randn(new long[] { 32, benchCase.Shape[0], benchCase.Shape[1], benchCase.Shape[2] }).ToArray<float>();
    }

    /// <summary>Our OnnxScorer (on the int8 model in an int8 row), <paramref name="iterations"/> batches.</summary>
    public void RunOurs(int iterations)
    {
        for (int i = 0; i < iterations; i++) _ours.Run(_pixels, (int)_shape[0]);
    }

    /// <summary>The plain InferenceSession, <paramref name="iterations"/> batches.</summary>
    public void RunRaw(int iterations)
    {
        for (int i = 0; i < iterations; i++)
        {
            using var input = OrtValue.CreateTensorValueFromMemory(_pixels, _shape);
            using var runOptions = new RunOptions();
            using var outputs = _raw.Run(runOptions, new[] { "input" }, new[] { input }, new[] { "probabilities" });
        }
    }

    /// <summary>Our libtorch Scorer, <paramref name="iterations"/> batches.</summary>
    public void RunLibtorch(int iterations)
    {
        for (int i = 0; i < iterations; i++) _libtorch.Probabilities(_images);
    }

    /// <summary>Frees the scorers, the model and the temporary file.</summary>
    public void Dispose()
    {
        _ours.Dispose();
        _raw.Dispose();
        _libtorch.Dispose();
        _images.Dispose();
        _model.Dispose();
        try { File.Delete(_path); } catch (IOException) { }
    }
}

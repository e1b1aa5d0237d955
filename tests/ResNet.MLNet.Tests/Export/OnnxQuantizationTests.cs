using Microsoft.ML.OnnxRuntime;
using ResNet.MLNet.Data.Idx;
using ResNet.MLNet.Export;
using ResNet.MLNet.Models;
using ResNet.MLNet.Scoring;
using ResNet.MLNet.Tests.Support;
using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Serialization;
using Xunit.Abstractions;

namespace ResNet.MLNet.Tests.Export;

/// <summary>
/// Static int8 quantization at export (<see cref="OnnxQuantization"/>): the quantized model of a network trained on
/// real Fashion-MNIST predicts what the float model predicts, ONNX Runtime really runs it on its integer kernels, and
/// bad calibration input is refused naming the setting.
/// </summary>
public sealed class OnnxQuantizationTests
{
    private readonly ITestOutputHelper _output;

    public OnnxQuantizationTests(ITestOutputHelper output) => _output = output;

    private static OnnxExportOptions Options => new() { Channels = 1, Height = 28, Width = 28, LogitsName = "logits", ProbabilitiesName = null };

    [Fact]
    public void QuantizedResNet20AgreesWithTheFloatModelOnTheFashionMnistTestSet()
    {
        // a ResNet-20 trained on all of Fashion-MNIST (Fixtures/README.md): agreement means little on a network
        // that has barely learned, whose predictions sit near class boundaries
        var (train, test, _, _) = FashionMnist.LoadNormalized();
        using var model = ResNetZoo.Create(ResNetArchitecture.ResNet20, numClasses: 10, inChannels: 1);
        SafeTensors.LoadInto(model, Path.Combine(AppContext.BaseDirectory, "Fixtures", "resnet20-fashion-mnist.safetensors"));
        model.Eval();
        int size = 28 * 28;
        // calibrated on 256 training images; the test set is never seen before scoring
        var quantization = new OnnxQuantization { CalibrationImages = train.Pixels.AsMemory(0, 256 * size) };
        using var dir = new TempDir();
        string floatPath = Path.Combine(dir.Path, "float.onnx"), int8Path = Path.Combine(dir.Path, "int8.onnx");
        OnnxExporter.Export(model, Options, floatPath);
        OnnxExporter.Export(model, Options with { Quantization = quantization }, int8Path);

        var report = OnnxChecker.Check(int8Path);
        Assert.Equal(0, OnnxChecker.Count(report, "BatchNormalization"));
        Assert.True(OnnxChecker.Count(report, "QuantizeLinear") >= 19, "every convolution's input should be quantized");
        Assert.True(new FileInfo(int8Path).Length * 3 < new FileInfo(floatPath).Length,
            $"the int8 file ({new FileInfo(int8Path).Length} bytes) should be far smaller than the float file ({new FileInfo(floatPath).Length} bytes): are the float weights still in it?");

        var floatPredictions = Predict(floatPath, test.Pixels);
        var int8Predictions = Predict(int8Path, test.Pixels);
        int n = test.Labels.Length, agree = 0, floatRight = 0, int8Right = 0;
        for (int i = 0; i < n; i++)
        {
            agree += floatPredictions[i] == int8Predictions[i] ? 1 : 0;
            floatRight += floatPredictions[i] == test.Labels[i] ? 1 : 0;
            int8Right += int8Predictions[i] == test.Labels[i] ? 1 : 0;
        }
        _output.WriteLine($"float accuracy {floatRight / (double)n:P2}, int8 accuracy {int8Right / (double)n:P2}, top-1 agreement {agree}/{n}");
        Assert.True(floatRight > n * 0.9, $"the fixture should score over 90 % (accuracy {floatRight / (double)n:P2})");
        Assert.True(agree >= n * 0.995, $"int8 and float top-1 predictions agree on {agree} of {n} test images, below 99.5 %");
        Assert.True(Math.Abs(int8Right - floatRight) <= n * 0.005, $"int8 accuracy {int8Right / (double)n:P2} vs float {floatRight / (double)n:P2}");
    }

    [Fact]
    public void OnnxRuntimeRunsTheQuantizedGraphOnItsIntegerKernels()
    {
        using var model = ResNetZoo.Create(ResNetArchitecture.ResNet20, numClasses: 10, inChannels: 1);
        OnnxTestModels.RandomiseBatchNorms(model);
        model.Eval();
        var calibration = OnnxTestModels.RandomPixels(32 * 28 * 28, seed: 5);
        using var dir = new TempDir();
        string path = Path.Combine(dir.Path, "int8.onnx"), optimized = Path.Combine(dir.Path, "optimized.onnx");
        OnnxExporter.Export(model, Options with { Quantization = new OnnxQuantization { CalibrationImages = calibration } }, path);
        using (var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, OptimizedModelFilePath = optimized,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        })
        using (new InferenceSession(path, options)) { }
        // the graph ONNX Runtime runs after its optimisations, as Debian's python3-onnx reads it (domain:op counts)
        var ops = PythonReference.Run("onnx_ops.py", optimized).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ')).ToDictionary(p => p[0], p => int.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture));
        int Count(string op) => ops.TryGetValue(op, out var c) ? c : 0;
        _output.WriteLine(string.Join(", ", ops.Select(kv => $"{kv.Key} {kv.Value}")));
        int convolutions = model.NamedModules().Count(m => m.Value is ResNet.MLNet.Torch.Modules.Conv2d);
        Assert.Equal(convolutions, Count("com.microsoft:QLinearConv"));
        Assert.Equal(model.NamedModules().Count(m => m.Value is ResidualBlock), Count("com.microsoft:QLinearAdd"));
        Assert.Equal(1, Count("com.microsoft:QGemm"));
        Assert.Equal(0, Count(":Conv") + Count("com.microsoft.nchwc:Conv") + Count("com.microsoft:FusedConv"));
    }

    [Fact]
    public void BadCalibrationImagesAreRefusedNamingTheSetting()
    {
        using var model = ResNetZoo.Create(ResNetArchitecture.ResNet20, numClasses: 10, inChannels: 1);
        var one = OnnxTestModels.RandomPixels(28 * 28, seed: 1);
        float[] With(float value) { var p = (float[])one.Clone(); p[100] = value; return p; }
        var cases = new (string Expected, OnnxQuantization Quantization)[]
        {
            ("CalibrationImages", new() { CalibrationImages = Array.Empty<float>() }),
            ("CalibrationImages", new() { CalibrationImages = one.AsMemory(0, 28 * 28 - 1) }),
            ("CalibrationImages", new() { CalibrationImages = OnnxTestModels.RandomPixels(28 * 28 * 2 + 5, seed: 2) }),
            ("image 0", new() { CalibrationImages = With(float.NaN) }),
            ("image 0", new() { CalibrationImages = With(float.PositiveInfinity) }),
            ("image 0", new() { CalibrationImages = With(float.NegativeInfinity) }),
            ("CalibrationBatchSize", new() { CalibrationImages = one, CalibrationBatchSize = 0 }),
            ("Threads", new() { CalibrationImages = one, Threads = 0 }),
        };
        foreach (var (expected, quantization) in cases)
        {
            var e = Assert.Throws<ArgumentException>(() => OnnxExporter.Export(model, Options with { Quantization = quantization }));
            Assert.Contains(expected, e.Message);
        }
    }

    [Fact]
    public void ActivationParametersMatchPyTorchsMinMaxObserver()
    {
        // PyTorch's MinMaxObserver(quint8, per-tensor affine) is the reference for the uint8 scale and zero point
        var ranges = new (float Min, float Max)[] { (0f, 6f), (-1f, 1f), (-3.5f, 0.25f), (0.5f, 2f), (-2f, -0.5f), (-0.001f, 100f), (-7.3f, 4.1f) };
        var lines = PythonReference.Run("quant_params.py", ranges.SelectMany(r => new[] { r.Min, r.Max }).Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)).ToArray())
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(ranges.Length, lines.Length);
        for (int i = 0; i < ranges.Length; i++)
        {
            var parts = lines[i].Split(' ');
            float scale = float.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
            int zeroPoint = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
            var ours = OnnxQuantization.ActivationParameters(ranges[i].Min, ranges[i].Max);
            Assert.True(Math.Abs(ours.Scale - scale) <= 1e-6f * scale, $"range {ranges[i]}: scale {ours.Scale} vs PyTorch {scale}");
            Assert.Equal(zeroPoint, ours.ZeroPoint);
        }
    }

    private static int[] Predict(string path, float[] pixels)
    {
        using var scorer = new OnnxScorer(path, new OnnxScorerOptions { OutputName = "logits", BatchSize = 256 });
        var logits = scorer.Run(pixels, pixels.Length / (28 * 28));
        var predictions = new int[pixels.Length / (28 * 28)];
        for (int i = 0; i < predictions.Length; i++)
        {
            var row = logits.AsSpan(i * 10, 10);
            int best = 0;
            for (int j = 1; j < 10; j++) if (row[j] > row[best]) best = j;
            predictions[i] = best;
        }
        return predictions;
    }
}

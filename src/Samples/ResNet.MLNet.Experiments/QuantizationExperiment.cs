using System.Diagnostics;
using System.Globalization;
using ResNet.MLNet.Data.Idx;
using ResNet.MLNet.Data.Images;
using ResNet.MLNet.Engine;
using ResNet.MLNet.Export;
using ResNet.MLNet.Models;
using ResNet.MLNet.Scoring;
using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Optim;

namespace ResNet.MLNet.Experiments;

/// <summary>
/// What int8 scoring costs and gains on a trained network: the network of a trainer checkpoint exported as float and
/// as int8 (<see cref="OnnxQuantization"/>, calibrated on training images), both scored by <see cref="OnnxScorer"/> on
/// all 10,000 Fashion-MNIST test images: accuracy, top-1 agreement, and throughput in interleaved repetitions.
/// </summary>
internal static class QuantizationExperiment
{
    public const string Usage = """
        usage: resnet-experiments quantization --architecture NAME --checkpoint DIR [options]
          --architecture NAME  the checkpoint's network (ResNetArchitecture: ResNet20, WideResNet16_4, ...)
          --checkpoint DIR     a trainer checkpoint (checkpoint.safetensors + checkpoint.json) trained on Fashion-MNIST
          --preprocessing P    idx: images normalised as the experiments do (FashionMnist.LoadNormalized, default);
                               folders: as `resnet-mlnet train` on the folders of docs/experiments/fashion_mnist_folders.py
                               (gray mean 0.449, std 0.226; classes in the folders' ordinal name order)
          --calibration N      training images that calibrate the int8 model (default 256)
          --batch N            images per ONNX Runtime call (default 100)
          --reps N             interleaved timing repetitions over the test set (default 3)
          --data DIR           the Fashion-MNIST IDX files (default /usr/share/datasets/fashion-mnist)
        """;

    private sealed record Settings(ResNetArchitecture Architecture, string Checkpoint, bool Folders = false, int Calibration = 256,
        int Batch = 100, int Reps = 3, string? Data = null);

    public static int Run(string[] args)
    {
        if (args.Contains("-h") || args.Contains("--help"))
        {
            Console.WriteLine(Usage);
            return 0;
        }
        Settings s;
        try { s = Parse(args); }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(Usage);
            return 2;
        }
        var (train, test, _, _) = FashionMnist.LoadNormalized(s.Data);
        if (s.Folders)
        {
            (train, test) = (FashionMnist.Load(FashionMnist.Split.Train, s.Data), FashionMnist.Load(FashionMnist.Split.Test, s.Data));
            foreach (var set in new[] { train, test })
                for (int i = 0; i < set.Pixels.Length; i++) set.Pixels[i] = (set.Pixels[i] - ImagePreprocessing.GrayMean) / ImagePreprocessing.GrayStd;
        }
        // the CLI numbers classes in the ordinal order of the folder names, not in the IDX label order
        var byFolderName = Enumerable.Range(0, 10).OrderBy(c => FolderName(c), StringComparer.Ordinal).ToArray();
        long[] labels = s.Folders ? test.Labels.Select(l => (long)Array.IndexOf(byFolderName, (int)l)).ToArray() : test.Labels;

        using var model = ResNetZoo.Create(s.Architecture, 10, 1);
        int epochs;
        using (var sgd = new Sgd(model.Parameters(), new SgdOptions { LearningRate = 0.1 }))
            epochs = new TrainingCheckpoint(s.Checkpoint).Restore(model, sgd, model.Parameters().Count, Device.Cpu).EpochsCompleted;
        model.Eval();
        const int size = 28 * 28;
        var options = new OnnxExportOptions { Channels = 1, Height = 28, Width = 28, LogitsName = "logits", ProbabilitiesName = null };
        var clock = Stopwatch.StartNew();
        var float32 = OnnxExporter.Export(model, options);
        var exportFloat = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var int8 = OnnxExporter.Export(model, options with
        {
            Quantization = new OnnxQuantization { CalibrationImages = train.Pixels.AsMemory(0, s.Calibration * size) },
        });
        Console.WriteLine($"{s.Architecture} ({epochs} epochs, {s.Checkpoint}); libtorch {TorchRuntime.TorchVersion}, ONNX Runtime, {Environment.ProcessorCount} threads");
        Console.WriteLine($"export: float {exportFloat:F1} s, {float32.Length / 1024} KiB; int8 {clock.Elapsed.TotalSeconds:F1} s " +
                          $"(calibration on the first {s.Calibration} training images), {int8.Length / 1024} KiB");

        var scoring = new OnnxScorerOptions { OutputName = "logits", BatchSize = s.Batch };
        using var floatScorer = new OnnxScorer(float32, scoring);
        using var int8Scorer = new OnnxScorer(int8, scoring);
        var rates = new Dictionary<string, List<double>> { ["float"] = new(), ["int8"] = new() };
        int[] floatPredictions = Array.Empty<int>(), int8Predictions = Array.Empty<int>();
        Predict(floatScorer, test.Pixels); Predict(int8Scorer, test.Pixels);   // warm-up
        for (int r = 0; r < s.Reps; r++)
        {
            // alternate which runs first
            foreach (var name in r % 2 == 0 ? new[] { "float", "int8" } : new[] { "int8", "float" })
            {
                clock.Restart();
                var predictions = Predict(name == "float" ? floatScorer : int8Scorer, test.Pixels);
                rates[name].Add(labels.Length / clock.Elapsed.TotalSeconds);
                if (name == "float") floatPredictions = predictions; else int8Predictions = predictions;
            }
        }
        int n = labels.Length;
        int agree = floatPredictions.Zip(int8Predictions).Count(p => p.First == p.Second);
        double Accuracy(int[] p) => p.Select((c, i) => c == labels[i] ? 1.0 : 0.0).Average();
        double Median(List<double> v) => v.Order().ElementAt(v.Count / 2);
        Console.WriteLine($"test accuracy: float {Accuracy(floatPredictions):P2}, int8 {Accuracy(int8Predictions):P2}");
        Console.WriteLine($"top-1 agreement: {agree} of {n} ({agree / (double)n:P2})");
        Console.WriteLine($"throughput (batch {s.Batch}, median of {s.Reps}): float {Median(rates["float"]):F0} img/s " +
                          $"[{rates["float"].Min():F0}–{rates["float"].Max():F0}], int8 {Median(rates["int8"]):F0} img/s " +
                          $"[{rates["int8"].Min():F0}–{rates["int8"].Max():F0}]; int8/float {Median(rates["int8"]) / Median(rates["float"]):F2}");
        return 0;
    }

    private static int[] Predict(OnnxScorer scorer, float[] pixels)
    {
        int images = pixels.Length / (28 * 28);
        var logits = scorer.Run(pixels, images);
        var predictions = new int[images];
        for (int i = 0; i < images; i++)
        {
            var row = logits.AsSpan(i * 10, 10);
            int best = 0;
            for (int j = 1; j < 10; j++) if (row[j] > row[best]) best = j;
            predictions[i] = best;
        }
        return predictions;
    }

    // docs/experiments/fashion_mnist_folders.py's folder names
    private static string FolderName(int label) => FashionMnist.ClassNames[label].Replace('/', '_').Replace(' ', '_');

    private static Settings Parse(string[] args)
    {
        ResNetArchitecture? architecture = null;
        string? checkpoint = null;
        var s = new Settings(default, "");
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture) is var v && v > 0 ? v : throw new ArgumentException($"{args[i]} must be positive");
            switch (args[i])
            {
                case "--architecture":
                    var name = Next();
                    architecture = Enum.TryParse<ResNetArchitecture>(name, ignoreCase: true, out var a) ? a
                        : throw new ArgumentException($"--architecture: '{name}' is not one of {string.Join(", ", Enum.GetNames<ResNetArchitecture>())}");
                    break;
                case "--checkpoint": checkpoint = Next(); break;
                case "--preprocessing":
                    s = s with { Folders = Next() switch { "idx" => false, "folders" => true, var p => throw new ArgumentException($"--preprocessing is idx or folders, got {p}") } };
                    break;
                case "--calibration": s = s with { Calibration = Int() }; break;
                case "--batch": s = s with { Batch = Int() }; break;
                case "--reps": s = s with { Reps = Int() }; break;
                case "--data": s = s with { Data = Next() }; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        return s with
        {
            Architecture = architecture ?? throw new ArgumentException("--architecture is required"),
            Checkpoint = checkpoint ?? throw new ArgumentException("--checkpoint is required"),
        };
    }
}

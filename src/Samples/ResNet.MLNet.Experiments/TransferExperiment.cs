using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using ResNet.MLNet.Data;
using ResNet.MLNet.Data.Idx;
using ResNet.MLNet.Data.Sources;
using ResNet.MLNet.Engine;
using ResNet.MLNet.Models;
using ResNet.MLNet.Torch;

namespace ResNet.MLNet.Experiments;

/// <summary>
/// Does transfer learning pay? A ResNet-20 pretrained by us on Fashion-MNIST classes 0–4 (the stand-in for ImageNet),
/// then trained on a few images per class of classes 5–9 in each mode (frozen backbone, fine-tuning, featurizer +
/// SdcaMaximumEntropy) against the same network trained from scratch on those images; accuracy on all test images of
/// classes 5–9 and wall time of each fit, over several draws of the few-shot images. Everything runs through the
/// ML.NET pipeline a user writes.
/// </summary>
internal static class TransferExperiment
{
    public const string Usage = """
        usage: resnet-experiments transfer [options]
          --pretrain-epochs N  epochs of pretraining on classes 0-4 (all 30,000 training images; default 3)
          --per-class N        few-shot training images per class of classes 5-9 (default 50)
          --epochs N           epochs of each few-shot fit (default 30)
          --draws N            disjoint few-shot draws, each fitted in every mode (default 3)
          --data DIR           Fashion-MNIST directory (default the Debian package's)
        """;

    private sealed record Settings(int PretrainEpochs = 3, int PerClass = 50, int Epochs = 30, int Draws = 3, string? Data = null);

    public static int Run(string[] args)
    {
        Settings s;
        try { s = Parse(args); }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(Usage);
            return 2;
        }
        var ml = new MLContext(1).UseResNetScoringDefaults();
        var train = Read(ml, FashionMnist.Split.Train, s.Data);
        var test = Read(ml, FashionMnist.Split.Test, s.Data);
        var source = train.Where(r => Class(r) < 5).ToList();
        var targetTest = test.Where(r => Class(r) >= 5).ToList();
        var (mean, std) = Statistics(source);
        Console.WriteLine($"pretraining set: {source.Count:N0} images of classes 0-4; target test set: {targetTest.Count:N0} images of classes 5-9; " +
                          $"libtorch {TorchRuntime.TorchVersion}, {TorchRuntime.NumThreads} thread(s) on {Environment.ProcessorCount} cores (shared)");

        using var dir = new TempFolder();
        var weights = Path.Combine(dir.Path, "pretrained.safetensors");
        var clock = Stopwatch.StartNew();
        var pretrained = Fit(ml, source, Base(mean, std) with
        {
            Training = new TrainerOptions { Epochs = s.PretrainEpochs },     // the engine's Fashion-MNIST recipe
            MetricsCallback = m => Console.WriteLine($"  pretraining epoch {m.Epoch}/{m.Epochs}: loss {m.TrainLoss:0.000}, {m.ImagesPerSecond:0} img/s"),
        });
        File.WriteAllBytes(weights, pretrained.Classifier.Weights.ToArray());
        Console.WriteLine($"pretrained ResNet-20 on classes 0-4: {s.PretrainEpochs} epochs in {clock.Elapsed.TotalSeconds:F0} s, " +
                          $"accuracy on their {test.Count(r => Class(r) < 5):N0} test images {Accuracy(ml, pretrained.Model, test.Where(r => Class(r) < 5).ToList()):P2}");

        // The pretrained modes leave Mean/Std unset: they come from the weights' metadata (the pretraining's).
        var few = Base(mean, std) with { Epochs = s.Epochs };                          // the classifier's small-set defaults
        var modes = new (string Name, Func<List<PixelRow>, ITransformer> Fit)[]
        {
            ("from scratch", rows => Fit(ml, rows, few).Model),
            ("FrozenBackbone", rows => Fit(ml, rows, few with { Pretrained = weights, FineTuning = FineTuningMode.FrozenBackbone, Mean = null, Std = null }).Model),
            ("FineTune (backbone lr x0.1)", rows => Fit(ml, rows, few with { Pretrained = weights, FineTuning = FineTuningMode.FineTune, Mean = null, Std = null }).Model),
            ("Featurizer + SdcaMaximumEntropy", rows => Featurizer(ml, rows, weights)),
        };
        var results = modes.ToDictionary(m => m.Name, _ => new List<(double Accuracy, double Seconds)>());
        for (int draw = 0; draw < s.Draws; draw++)
        {
            // Disjoint draws: the draw-th block of PerClass images of each class, in file order.
            var rows = train.Where(r => Class(r) >= 5).GroupBy(Class).SelectMany(g => g.Skip(draw * s.PerClass).Take(s.PerClass)).ToList();
            foreach (var (name, fit) in modes)
            {
                var watch = Stopwatch.StartNew();
                var model = fit(rows);
                double seconds = watch.Elapsed.TotalSeconds;
                double accuracy = Accuracy(ml, model, targetTest);
                results[name].Add((accuracy, seconds));
                Console.WriteLine($"draw {draw + 1}: {name,-32} accuracy {accuracy:P2}  fit {seconds:F1} s");
            }
        }
        Console.WriteLine();
        Console.WriteLine($"| mode ({s.PerClass} images per class of classes 5-9, {s.Draws} draws) | test accuracy on classes 5-9: mean (min-max) | fit wall time: mean |");
        Console.WriteLine("|---|---:|---:|");
        foreach (var (name, _) in modes)
        {
            var r = results[name];
            Console.WriteLine($"| {name} | {r.Average(x => x.Accuracy):P2} ({r.Min(x => x.Accuracy):P1}-{r.Max(x => x.Accuracy):P1}) | {r.Average(x => x.Seconds):F1} s |");
        }
        return 0;
    }

    private static ResNetClassifierOptions Base(float[] mean, float[] std) => new()
    {
        ImageColumnName = ResNetColumns.Image, Architecture = ResNetArchitecture.ResNet20, ImageSize = 28, Channels = 1, Mean = mean, Std = std,
    };

    private static (ITransformer Model, ResNetClassifierTransformer Classifier) Fit(MLContext ml, List<PixelRow> rows, ResNetClassifierOptions options)
    {
        var model = ml.Transforms.Conversion.MapValueToKey(ResNetColumns.Label)
            .Append(ml.Transforms.ResNetClassifier(options))
            .Fit(View(ml, rows));
        return (model, model.OfType<ResNetClassifierTransformer>().Single());
    }

    private static ITransformer Featurizer(MLContext ml, List<PixelRow> rows, string weights) =>
        ml.Transforms.Conversion.MapValueToKey(ResNetColumns.Label)
            .Append(ml.Transforms.ResNetFeaturizer(new ResNetFeaturizerOptions
            {
                ImageColumnName = ResNetColumns.Image, Pretrained = weights, Architecture = ResNetArchitecture.ResNet20, ImageSize = 28, Channels = 1,
            }))
            .AppendCacheCheckpoint(ml) // SDCA passes over the data many times: featurize once
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy())
            .Fit(View(ml, rows));

    private static double Accuracy(MLContext ml, ITransformer model, List<PixelRow> rows) =>
        ml.MulticlassClassification.Evaluate(model.Transform(View(ml, rows))).MicroAccuracy;

    private static IDataView View(MLContext ml, List<PixelRow> rows) => PixelRow.View(ml.Data, rows, 1, 28, 28);

    private static List<PixelRow> Read(MLContext ml, FashionMnist.Split split, string? directory)
    {
        var (images, labels) = FashionMnist.Files(split, directory);
        return ml.Data.CreateEnumerable<PixelRow>(ml.Data.LoadFromIdx(images, labels), reuseRowObject: false).ToList();
    }

    private static int Class(PixelRow row) => int.Parse(row.Label, CultureInfo.InvariantCulture);

    private static (float[] Mean, float[] Std) Statistics(List<PixelRow> rows)
    {
        double sum = 0, squares = 0;
        long n = 0;
        foreach (var v in rows.SelectMany(r => r.Image)) { sum += v; squares += (double)v * v; n++; }
        double mean = sum / n;
        return (new[] { (float)mean }, new[] { (float)Math.Sqrt(squares / n - mean * mean) });
    }

    private static Settings Parse(string[] args)
    {
        var s = new Settings();
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            s = args[i] switch
            {
                "--pretrain-epochs" => s with { PretrainEpochs = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--per-class" => s with { PerClass = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--epochs" => s with { Epochs = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--draws" => s with { Draws = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--data" => s with { Data = Next() },
                _ => throw new ArgumentException($"unknown option '{args[i]}'"),
            };
        }
        return s;
    }

    private sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("resnet-transfer-").FullName;
        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}

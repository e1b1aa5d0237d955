using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Transforms;
using ResNet.MLNet;
using ResNet.MLNet.Data.Idx;
using ResNet.MLNet.Demo;
using ResNet.MLNet.Engine;
using ResNet.MLNet.Torch;
using Spectre.Console;

return DemoCommand.Create(Run).Parse(args).Invoke();

// The main job: an ML.NET pipeline (MapValueToKey → ResNetClassifier → MapKeyToValue) trained on Fashion-MNIST,
// evaluated with ML.NET's own Evaluate and saved as an ML.NET model zip.
static int Run(DemoOptions options)
{
    var total = Stopwatch.StartNew();
    if (options.Threads is { } threads) TorchRuntime.NumThreads = threads;
    var classifier = options.Classifier;
    AnsiConsole.MarkupLineInterpolated($"[bold]ResNet.MLNet demo[/]: {classifier.Architecture} on Fashion-MNIST through an ML.NET pipeline, libtorch {TorchRuntime.TorchVersion}, {TorchRuntime.NumThreads} thread(s), device {classifier.Device}");

    var ml = new MLContext(classifier.Seed).UseResNetScoringDefaults(options.Threads);
    var trainFiles = FashionMnist.Files(FashionMnist.Split.Train, options.DataDirectory);
    var testFiles = FashionMnist.Files(FashionMnist.Split.Test, options.DataDirectory);
    IDataView train = ml.Data.LoadFromIdx(trainFiles.Images, trainFiles.Labels, FashionMnist.ClassNames);
    if (options.Subset is { } subset) train = ml.Data.TakeRows(train, subset);
    IDataView test = ml.Data.LoadFromIdx(testFiles.Images, testFiles.Labels, FashionMnist.ClassNames);
    var (mean, std) = PixelStatistics(ml, train);
    AnsiConsole.MarkupLineInterpolated($"data: Fashion-MNIST IDX as ML.NET views, pixel mean {mean:F4}, std {std:F4} ({total.Elapsed.TotalSeconds:F1} s)");

    using var cancel = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
    var trainClock = Stopwatch.StartNew();
    ITransformer model = null!;
    AnsiConsole.Progress()
        .AutoClear(false)
        .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
        .Start(ctx =>
        {
            var task = ctx.AddTask("reading data", maxValue: 1);
            var pipeline = ml.Transforms.Conversion.MapValueToKey(classifier.LabelColumnName, keyData: ClassNameView(ml))
                .Append(ml.Transforms.ResNetClassifier(classifier with
                {
                    Mean = new[] { mean }, Std = new[] { std }, CancellationToken = cancel.Token,
                    BatchCallback = p =>
                    {
                        task.MaxValue = (double)p.Batches * classifier.Epochs;
                        task.Value = (double)(p.Epoch - 1) * p.Batches + p.Batch;
                        task.Description = p.RunningLoss is { } loss ? $"epoch {p.Epoch}/{classifier.Epochs} loss {loss:F3}" : $"epoch {p.Epoch}/{classifier.Epochs}";
                    },
                    MetricsCallback = m => AnsiConsole.MarkupLineInterpolated(
                        $"epoch {m.Epoch}/{m.Epochs}: train loss {m.TrainLoss:F4} acc {m.TrainAccuracy:P2}, lr {m.LearningRate:G3}, {m.ImagesPerSecond:F0} img/s, elapsed {Clock(m.Elapsed)}, ETA {Clock(m.EstimatedRemaining)}, RSS {Process.GetCurrentProcess().WorkingSet64 >> 20} MiB"),
                }))
                .Append(ml.Transforms.Conversion.MapKeyToValue(classifier.PredictedLabelColumnName));
            model = pipeline.Fit(train);
        });
    trainClock.Stop();
    if (cancel.IsCancellationRequested) AnsiConsole.MarkupLine("[yellow]training cancelled: evaluating the model as it is[/]");

    var evalClock = Stopwatch.StartNew();
    var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
    evalClock.Stop();
    ResNet.MLNet.Reports.ConfusionTable.Print(metrics, FashionMnist.ClassNames);

    Directory.CreateDirectory(options.Output);
    var saved = Path.Combine(options.Output, "model.zip");
    ml.Model.Save(model, train.Schema, saved);
    var report = ResNet.MLNet.Reports.HtmlReport.Write(Path.Combine(options.Output, "report"), new ResNet.MLNet.Reports.EvaluationReport
    {
        Title = $"{classifier.Architecture} on Fashion-MNIST", ClassNames = FashionMnist.ClassNames, Metrics = metrics,
        History = ((IEnumerable<ITransformer>)model).OfType<ResNetClassifierTransformer>().Single().History,
        Facts = new Dictionary<string, string>
        {
            ["model"] = Path.GetFullPath(saved), ["training"] = $"{classifier.Epochs} epochs, batch {classifier.BatchSize}, {classifier.Schedule} lr {classifier.LearningRate}, {trainClock.Elapsed.TotalSeconds:F1} s",
            ["test images"] = "Fashion-MNIST t10k (10,000)",
        }.ToList(),
    });
    total.Stop();
    AnsiConsole.MarkupLineInterpolated($"test accuracy [bold]{metrics.MicroAccuracy:P2}[/], macro accuracy {metrics.MacroAccuracy:P2}, log loss {metrics.LogLoss:F4} (ML.NET Evaluate)");
    AnsiConsole.MarkupLineInterpolated($"wall time: training {trainClock.Elapsed.TotalSeconds:F1} s, test scoring {evalClock.Elapsed.TotalSeconds:F1} s (ONNX Runtime through ML.NET), total {total.Elapsed.TotalSeconds:F1} s");
    AnsiConsole.MarkupLineInterpolated($"ML.NET model saved to {saved} (load it with ml.Model.Load; scoring needs ML.NET and ONNX Runtime only)");
    AnsiConsole.MarkupLineInterpolated($"report (metrics, error curves, confusion-matrix heat map, per-class accuracy): {report}");
    return 0;
}

// The training pixels' mean and standard deviation, baked into the model as its normalisation.
static (float Mean, float Std) PixelStatistics(MLContext ml, IDataView train)
{
    double sum = 0, squares = 0;
    long count = 0;
    foreach (var row in ml.Data.CreateEnumerable<ImageRow>(train, reuseRowObject: true))
        foreach (var p in row.Image) { sum += p; squares += (double)p * p; count++; }
    double mean = sum / count;
    return ((float)mean, (float)Math.Sqrt(squares / count - mean * mean));
}

// Keys in Fashion-MNIST's own label order (MapValueToKey would otherwise number classes by first occurrence).
static IDataView ClassNameView(MLContext ml) => ml.Data.LoadFromEnumerable(FashionMnist.ClassNames.Select(n => new LabelRow { Label = n }));

static string Clock(TimeSpan t) => t.TotalHours >= 1 ? $"{(int)t.TotalHours}:{t:mm\\:ss}" : t.ToString("mm\\:ss");

sealed class ImageRow { public float[] Image { get; set; } = Array.Empty<float>(); }
sealed class LabelRow { public string Label { get; set; } = ""; }

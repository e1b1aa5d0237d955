using System.Diagnostics;
using ResNet.MLNet.Data.Idx;
using ResNet.MLNet.Demo;
using ResNet.MLNet.Engine;
using ResNet.MLNet.Models;
using ResNet.MLNet.Torch;
using Spectre.Console;


return DemoCommand.Create(Run).Parse(args).Invoke();

static int Run(DemoOptions options)
{
    var total = Stopwatch.StartNew();
    if (options.Threads is { } threads) TorchRuntime.NumThreads = threads;
    AnsiConsole.MarkupLineInterpolated($"[bold]ResNet.MLNet demo[/]: {options.Architecture} on Fashion-MNIST, libtorch {TorchRuntime.TorchVersion}, {TorchRuntime.NumThreads} thread(s), device {options.Device}");

    var (train, test, mean, std) = FashionMnist.LoadNormalized(options.DataDirectory, options.Subset);
    using var trainData = train;
    using var testData = test;
    AnsiConsole.MarkupLineInterpolated($"data: {train.Count:N0} training and {test.Count:N0} test images, mean {mean[0]:F4}, std {std[0]:F4} (loaded in {total.Elapsed.TotalSeconds:F1} s)");

    var trainerOptions = options.ToTrainerOptions();
    TorchRuntime.ManualSeed((ulong)options.Seed);
    using var model = ResNetZoo.Create(options.Architecture, numClasses: train.ClassCount, inChannels: train.Channels);
    AnsiConsole.MarkupLineInterpolated($"model: {model.Spec.Name}, {model.ParameterCount:N0} parameters; {trainerOptions.Epochs} epoch(s), batch {trainerOptions.BatchSize}, {trainerOptions.Schedule} lr {trainerOptions.LearningRate}, augmentation {(options.Augment ? "crop+flip" : "off")}");

    using var cancel = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
    var trainer = new Trainer(model, trainerOptions);
    var trainClock = Stopwatch.StartNew();
    TrainingResult result = null!;
    int batchesPerEpoch = (train.Count + trainerOptions.BatchSize - 1) / trainerOptions.BatchSize;
    AnsiConsole.Progress()
        .AutoClear(false)
        .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
        .Start(ctx =>
        {
            var task = ctx.AddTask("training", maxValue: (double)batchesPerEpoch * trainerOptions.Epochs);
            var batchProgress = new SyncProgress<BatchProgress>(p =>
            {
                task.Value = (double)(p.Epoch - 1) * batchesPerEpoch + p.Batch;
                task.Description = p.RunningLoss is { } loss ? $"epoch {p.Epoch}/{trainerOptions.Epochs} loss {loss:F3}" : $"epoch {p.Epoch}/{trainerOptions.Epochs}";
            });
            var epochProgress = new SyncProgress<EpochMetrics>(m =>
            {
                long rssMiB = Process.GetCurrentProcess().WorkingSet64 >> 20;
                AnsiConsole.MarkupLineInterpolated(
                    $"epoch {m.Epoch}/{m.Epochs}: train loss {m.TrainLoss:F4} acc {m.TrainAccuracy:P2}, lr {m.LearningRate:G3}, {m.ImagesPerSecond:F0} img/s, elapsed {Clock(m.Elapsed)}, ETA {Clock(m.EstimatedRemaining)}, RSS {rssMiB} MiB");
            });
            result = trainer.Fit(train, validation: null, epochProgress, cancel.Token, batchProgress);
        });
    trainClock.Stop();
    if (result.Cancelled) AnsiConsole.MarkupLine("[yellow]training cancelled: evaluating the model as it is[/]");

    var evalClock = Stopwatch.StartNew();
    using var scorer = new Scorer(model, trainerOptions.Device);
    var report = ClassificationReport.Evaluate(scorer, test);
    evalClock.Stop();

    ReportPrinter.Print(report);
    var saved = ModelExport.Save(options.Output, model, options.Architecture, train.ClassNames, mean, std, report, trainerOptions);
    total.Stop();
    AnsiConsole.MarkupLineInterpolated($"test accuracy [bold]{report.Accuracy:P2}[/], macro accuracy {report.MacroAccuracy:P2}, log loss {report.LogLoss:F4}");
    AnsiConsole.MarkupLineInterpolated($"wall time: training {trainClock.Elapsed.TotalSeconds:F1} s, test scoring {evalClock.Elapsed.TotalSeconds:F1} s, total {total.Elapsed.TotalSeconds:F1} s");
    AnsiConsole.MarkupLineInterpolated($"model saved to {saved}");
    return 0;
}

static string Clock(TimeSpan t) => t.TotalHours >= 1 ? $"{(int)t.TotalHours}:{t:mm\\:ss}" : t.ToString("mm\\:ss");

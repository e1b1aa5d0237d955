using ResNet.MLNet.Engine;
using ResNet.MLNet.Torch;

namespace ResNet.MLNet.Experiments;

/// <summary>Errors after one epoch: training error while training (as the trainer measures it) and test error after it;
/// <paramref name="Seconds"/> is the training time up to this epoch (images ÷ throughput, summed; evaluation excluded).</summary>
public sealed record EpochErrors(int Epoch, double TrainLoss, double TrainError, double TestLoss, double TestError, double Seconds);

/// <summary>The outcome of training one network.</summary>
public sealed record RunResult(string Label, long Parameters, IReadOnlyList<EpochErrors> Epochs, double TrainSeconds)
{
    /// <summary>The last epoch's errors.</summary>
    public EpochErrors Final => Epochs[^1];
}

/// <summary>Trains one candidate from a fixed seed and records its errors per epoch.</summary>
public static class CandidateRun
{
    /// <summary>Trains <paramref name="candidate"/> on <paramref name="train"/>, testing on <paramref name="test"/> after every
    /// epoch. With <paramref name="checkpointDirectory"/>, a checkpoint is written there after every epoch and a run
    /// found there is resumed (a finished one is only read back).</summary>
    public static RunResult Train(Candidate candidate, InMemoryTrainingData train, InMemoryTrainingData test, TrainerOptions options,
        string? checkpointDirectory = null)
    {
        TorchRuntime.ManualSeed((ulong)options.Seed);
        using var model = candidate.Create(train.Channels, train.ClassCount);
        long parameters = model.ParameterCount;
        Console.WriteLine($"  {candidate.Label}: {parameters:N0} parameters" + (checkpointDirectory != null ? $", checkpoints in {checkpointDirectory}" : ""));
        var progress = new ImmediateProgress<EpochMetrics>(m => Console.WriteLine(
            $"    epoch {m.Epoch}: train loss {m.TrainLoss:F4} err {1 - m.TrainAccuracy:P2} | test loss {m.ValidationLoss:F4} err {1 - m.ValidationAccuracy:P2} | {m.ImagesPerSecond:F0} img/s"));
        var o = candidate.LearningRate is { } lr ? options with { LearningRate = lr } : options;
        if (checkpointDirectory != null) o = o with { CheckpointDirectory = checkpointDirectory, Resume = true };
        var history = new Trainer(model, o).Fit(train, test, progress).History;
        double seconds = 0;
        var epochs = history.Select(m => new EpochErrors(m.Epoch, m.TrainLoss, 1 - m.TrainAccuracy, m.ValidationLoss ?? double.NaN,
            1 - (m.ValidationAccuracy ?? double.NaN), seconds += train.Count / m.ImagesPerSecond)).ToList();
        return new RunResult(candidate.Label, parameters, epochs, seconds);
    }

    /// <summary>A folder name for a network label ("resnet-56 original (B)" → "resnet-56-original-B").</summary>
    public static string FolderName(string label) =>
        string.Join('-', label.Split(' ', '(', ')', '/', '\\', ',').Where(p => p.Length > 0));
}

/// <summary>An <see cref="IProgress{T}"/> that reports on the calling thread, in order.</summary>
public sealed class ImmediateProgress<T>(Action<T> report) : IProgress<T>
{
    /// <inheritdoc/>
    public void Report(T value) => report(value);
}

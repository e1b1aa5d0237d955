using System.Diagnostics;
using ResNet.MLNet.Engine;
using ResNet.MLNet.Torch;

namespace ResNet.MLNet.Experiments;

/// <summary>Errors after one epoch: training error while training (as the trainer measures it) and test error after it.</summary>
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
    /// <summary>Trains <paramref name="candidate"/> on <paramref name="train"/>, testing on <paramref name="test"/> after every epoch.</summary>
    public static RunResult Train(Candidate candidate, InMemoryTrainingData train, InMemoryTrainingData test, TrainerOptions options, int seed)
    {
        TorchRuntime.ManualSeed((ulong)seed);
        using var model = candidate.Create(train.Channels, train.ClassCount);
        long parameters = model.ParameterCount;
        Console.WriteLine($"  {candidate.Label}: {parameters:N0} parameters");
        var epochs = new List<EpochErrors>();
        var progress = new ImmediateProgress<EpochMetrics>(m =>
        {
            var e = new EpochErrors(m.Epoch, m.TrainLoss, 1 - m.TrainAccuracy, m.ValidationLoss ?? double.NaN,
                1 - (m.ValidationAccuracy ?? double.NaN), m.Elapsed.TotalSeconds);
            epochs.Add(e);
            Console.WriteLine($"    epoch {e.Epoch}: train loss {e.TrainLoss:F4} err {e.TrainError:P2} | test loss {e.TestLoss:F4} err {e.TestError:P2} | {m.ImagesPerSecond:F0} img/s, {e.Seconds:F0} s");
        });
        var clock = Stopwatch.StartNew();
        new Trainer(model, candidate.LearningRate is { } lr ? options with { LearningRate = lr } : options).Fit(train, test, progress);
        return new RunResult(candidate.Label, parameters, epochs, clock.Elapsed.TotalSeconds);
    }
}

/// <summary>An <see cref="IProgress{T}"/> that reports on the calling thread, in order.</summary>
public sealed class ImmediateProgress<T>(Action<T> report) : IProgress<T>
{
    /// <inheritdoc/>
    public void Report(T value) => report(value);
}

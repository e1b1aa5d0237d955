using System.Diagnostics;
using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Distributed;
using ResNet.MLNet.Torch.Modules;
using ResNet.MLNet.Torch.Optim;

namespace ResNet.MLNet.Engine;

/// <summary>
/// Trains a classifier with mini-batch SGD and cross-entropy: schedule, augmentation, validation, early stopping,
/// a checkpoint per epoch, exact resume and cancellation. Every random choice of epoch <c>e</c> derives from
/// <c>(Seed, e)</c>, so a resumed run repeats the uninterrupted one. The model is trained in place (moved to
/// <see cref="TrainerOptions.Device"/>, channels-last when asked) and left in evaluation mode. For transfer learning the
/// backbone can train at a lower rate than the head (two parameter groups) or not at all (its parameters stop requiring
/// gradients while training), and BN layers can keep their statistics (<see cref="TrainerOptions.BackboneLearningRateScale"/>,
/// <see cref="TrainerOptions.FreezeBatchNormStatistics"/>).
/// </summary>
public sealed class Trainer
{
    private readonly Module _model;
    private readonly TrainerOptions _options;

    /// <summary>Batches between two reads of the running loss for <see cref="BatchProgress"/> (each read waits for the device).</summary>
    public int ProgressInterval { get; init; } = 25;

    /// <summary>Prepares to train <paramref name="model"/> (any module mapping (N, C, H, W) to (N, classes) logits).</summary>
    public Trainer(Module model, TrainerOptions options)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        options.Validate();
    }

    /// <summary>
    /// Trains on <paramref name="train"/> for the planned epochs (or from the checkpoint with
    /// <see cref="TrainerOptions.Resume"/>), reporting each epoch to <paramref name="progress"/>. Cancellation stops
    /// after the current batch; the model then holds the weights of the last completed step.
    /// </summary>
    public TrainingResult Fit(ITrainingData train, ITrainingData? validation = null, IProgress<EpochMetrics>? progress = null,
        CancellationToken cancellationToken = default, IProgress<BatchProgress>? batchProgress = null)
    {
        TrainingDataChecks.CheckCompatible(train, validation);
        var o = _options;
        using var group = o.Distributed is { } d ? ProcessGroup.Join(d) : null;
        if (group != null && train.Count < o.BatchSize)
            throw new ArgumentException($"distributed training needs at least BatchSize ({o.BatchSize}) images, got {train.Count}");
        _model.To(o.Device);
        if (o.ChannelsLast) _model.ToChannelsLast();
        var (parameters, scales, frozen) = ParameterGroups();
        using var unfreeze = new FrozenParameters(frozen);
        using var sgd = new Sgd(parameters, new SgdOptions
        {
            LearningRate = o.LearningRate, Momentum = o.Momentum, Nesterov = o.Nesterov, WeightDecay = o.WeightDecay,
            NoDecayOnNormAndBias = o.NoDecayOnNormAndBias,
        }, scales);
        var schedule = new LearningRateScheduler(o, EpochRun.StepsPerEpoch(train.Count, o.BatchSize, group != null));
        var checkpoint = o.CheckpointDirectory is { } dir ? new TrainingCheckpoint(dir) : null;
        var history = new List<EpochMetrics>();
        if (o.Resume && checkpoint!.Exists) history.AddRange(checkpoint.Restore(_model, sgd, parameters.Count, o.Device).History);
        group?.BroadcastModel(_model);

        var clock = Stopwatch.StartNew();
        int firstEpoch = history.Count;
        bool cancelled = false, stoppedEarly = false;
        try
        {
            for (int epoch = firstEpoch; epoch < o.Epochs && !stoppedEarly; epoch++)
            {
                if (cancellationToken.IsCancellationRequested) { cancelled = true; break; }
                var epochClock = Stopwatch.StartNew();
                var run = new EpochRun(_model, sgd, schedule, o, epoch, ProgressInterval, group);
                var (loss, accuracy, completed) = run.Train(train, batchProgress, cancellationToken);
                if (group is { Options.SyncBatchNorm: false }) group.Broadcast(_model.NamedBuffers().Select(b => b.Value).ToList()); // one set of BN statistics (sync BN keeps one)
                double imagesPerSecond = run.Images / epochClock.Elapsed.TotalSeconds;
                if (!completed) { cancelled = true; break; }
                var (validationLoss, validationAccuracy) = validation == null ? (null, null) : Evaluation.LossAndAccuracy(_model, validation, o);
                var remaining = clock.Elapsed / (epoch + 1 - firstEpoch) * (o.Epochs - epoch - 1);
                var metrics = new EpochMetrics(epoch + 1, o.Epochs, loss, accuracy, validationLoss, validationAccuracy,
                    run.LastLearningRate, imagesPerSecond, clock.Elapsed, remaining);
                history.Add(metrics);
                if (group is not { Rank: > 0 }) checkpoint?.Save(_model, sgd, epoch + 1, o, history);
                progress?.Report(metrics);
                stoppedEarly = EarlyStopping.ShouldStop(history, o.EarlyStoppingPatience);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            cancelled = true;
        }
        _model.Eval();
        return new TrainingResult(history, cancelled, stoppedEarly, EarlyStopping.BestEpoch(history));
    }

    /// <summary>The parameters the optimiser updates with their learning-rate scales, and the frozen ones
    /// (<see cref="TrainerOptions.BackboneLearningRateScale"/> 0), which it leaves out.</summary>
    private (IReadOnlyList<Tensor> Trained, IReadOnlyList<double>? Scales, IReadOnlyList<Tensor> Frozen) ParameterGroups()
    {
        var o = _options;
        var named = _model.NamedParameters().ToList();
        if (o.BackboneLearningRateScale == 1) return (named.Select(p => p.Value).ToList(), null, Array.Empty<Tensor>());
        bool IsHead(string name) => name.StartsWith(o.HeadParameterPrefix, StringComparison.Ordinal);
        if (!named.Any(p => IsHead(p.Key)))
            throw new ArgumentException($"HeadParameterPrefix '{o.HeadParameterPrefix}' matches none of the model's parameters " +
                                        $"(such as {string.Join(", ", named.Take(3).Select(p => $"'{p.Key}'"))}); the head cannot be told from the backbone");
        if (o.BackboneLearningRateScale == 0)
            return (named.Where(p => IsHead(p.Key)).Select(p => p.Value).ToList(), null, named.Where(p => !IsHead(p.Key)).Select(p => p.Value).ToList());
        return (named.Select(p => p.Value).ToList(), named.Select(p => IsHead(p.Key) ? 1 : o.BackboneLearningRateScale).ToList(), Array.Empty<Tensor>());
    }

    /// <summary>Turns requires_grad off for the frozen parameters (so backward computes no gradient for them) until disposed.</summary>
    private sealed class FrozenParameters : IDisposable
    {
        private readonly IReadOnlyList<Tensor> _frozen;

        public FrozenParameters(IReadOnlyList<Tensor> frozen)
        {
            _frozen = frozen;
            foreach (var p in frozen) p.RequiresGrad = false;
        }

        public void Dispose()
        {
            foreach (var p in _frozen) p.RequiresGrad = true;
        }
    }
}

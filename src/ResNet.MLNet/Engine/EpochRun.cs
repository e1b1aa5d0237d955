using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Distributed;
using ResNet.MLNet.Torch.Modules;
using ResNet.MLNet.Torch.Optim;

namespace ResNet.MLNet.Engine;

/// <summary>One training epoch: seeds libtorch and the augmenter from (seed, epoch), shuffles with the same seed,
/// then runs the steps, accumulating metrics on the device.</summary>
internal sealed class EpochRun
{
    private readonly Module _model;
    private readonly LearningRateScheduler _schedule;
    private readonly TrainerOptions _options;
    private readonly int _epoch, _progressInterval;
    private readonly TrainingStep _step;
    private readonly ProcessGroup? _group;

    public long Images { get; private set; }
    public double LastLearningRate { get; private set; }

    public EpochRun(Module model, Sgd sgd, LearningRateScheduler schedule, TrainerOptions options, int epoch, int progressInterval,
        ProcessGroup? group = null) =>
        (_model, _schedule, _options, _epoch, _progressInterval, _group, _step) =
            (model, schedule, options, epoch, progressInterval, group,
             new TrainingStep(model, sgd, options.Device, options.ChannelsLast, options.LabelSmoothing, options.Precision, group));

    /// <summary>Optimiser steps per epoch: every batch, or with a process group only the full global batches (every
    /// rank must take part in every step).</summary>
    public static int StepsPerEpoch(int count, int batchSize, bool distributed) =>
        distributed ? count / batchSize : (count + batchSize - 1) / batchSize;

    /// <summary>The seed of every random choice in 0-based epoch <paramref name="epoch"/> of a run seeded <paramref name="seed"/>.</summary>
    public static int EpochSeed(int seed, int epoch) => unchecked(seed * 1000 + epoch);

    public (double Loss, double Accuracy, bool Completed) Train(ITrainingData data, IProgress<BatchProgress>? progress, CancellationToken token)
    {
        int seed = EpochSeed(_options.Seed, _epoch);
        TorchRuntime.ManualSeed((ulong)(uint)seed);
        var augmenter = new BatchAugmenter(_options.Augmentation, new Random(seed));
        using var metrics = new MetricsAccumulator(_options.Device);
        _model.Train();
        if (_options.FreezeBatchNormStatistics)
            foreach (var (_, m) in _model.NamedModules())
                if (m is BatchNorm2d) m.Eval();
        int batch = 0;
        double? runningLoss = null;
        bool completed = true;
        var batches = _group == null ? data.Batches(_options.BatchSize, shuffle: true, seed, token) : Shard(data, _group, seed, token);
        foreach (var (images, labels) in batches)
        {
            using (var scope = TensorScope.Begin())
            using (images)
            using (labels)
            {
                LastLearningRate = _schedule.At((long)_epoch * _schedule.StepsPerEpoch + batch);
                Step(images, labels, augmenter, metrics, LastLearningRate);
            }
            batch++;
            if (progress != null)
            {
                if (batch % _progressInterval == 0) runningLoss = metrics.MeanLoss;
                progress.Report(new BatchProgress(_epoch + 1, batch, _schedule.StepsPerEpoch, runningLoss));
            }
            if (token.IsCancellationRequested && batch < _schedule.StepsPerEpoch) { completed = false; break; }
        }
        Images = metrics.Count;
        var (loss, accuracy) = metrics.Read();
        if (_group != null)
        {
            var sums = _group.Sum(loss * Images, accuracy * Images, Images);
            (loss, accuracy, Images) = (sums[0] / sums[2], sums[1] / sums[2], (long)sums[2]);
        }
        return (loss, accuracy, completed);
    }

    // Rank r's share of the single-process order: batch b of BatchSize is the sub-batches b·n … b·n+n−1 of BatchSize/n
    // (the same permutation), and rank r takes the r-th of them; the last partial global batch is left out.
    private IEnumerable<(Tensor Images, Tensor Labels)> Shard(ITrainingData data, ProcessGroup group, int seed, CancellationToken token)
    {
        int n = group.WorldSize;
        long wanted = (long)StepsPerEpoch(data.Count, _options.BatchSize, distributed: true) * n, index = 0;
        foreach (var batch in data.Batches(_options.BatchSize / n, shuffle: true, seed, token))
        {
            if (index >= wanted) { batch.Images.Dispose(); batch.Labels.Dispose(); yield break; }
            if (index++ % n == group.Rank) yield return batch;
            else { batch.Images.Dispose(); batch.Labels.Dispose(); }
        }
    }

    private void Step(Tensor images, Tensor labels, BatchAugmenter augmenter, MetricsAccumulator metrics, double learningRate)
    {
        var (x, y) = DeviceBatch.Prepare(images, labels, _options.Device, _options.ChannelsLast, augmenter.Apply);
        var (loss, logits) = _step.RunPrepared(x, y, learningRate);
        metrics.Add(loss, logits, y);
    }
}

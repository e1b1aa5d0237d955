using ResNet.MLNet.Torch;
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

    public long Images { get; private set; }
    public double LastLearningRate { get; private set; }

    public EpochRun(Module model, Sgd sgd, LearningRateScheduler schedule, TrainerOptions options, int epoch, int progressInterval) =>
        (_model, _schedule, _options, _epoch, _progressInterval, _step) =
            (model, schedule, options, epoch, progressInterval, new TrainingStep(model, sgd, options.Device, options.ChannelsLast, options.LabelSmoothing, options.Precision));

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
        foreach (var (images, labels) in data.Batches(_options.BatchSize, shuffle: true, seed, token))
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
        return (loss, accuracy, completed);
    }

    private void Step(Tensor images, Tensor labels, BatchAugmenter augmenter, MetricsAccumulator metrics, double learningRate)
    {
        var y = labels.To(_options.Device); // moved once: the step's own transfer is then a no-op
        var (loss, logits) = _step.Run(augmenter.Apply(images.To(_options.Device)), y, learningRate);
        metrics.Add(loss, logits, y);
    }
}

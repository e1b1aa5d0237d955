namespace ResNet.MLNet.Engine;

/// <summary>What one training epoch achieved.</summary>
/// <param name="Epoch">The 1-based epoch number.</param>
/// <param name="Epochs">The planned number of epochs.</param>
/// <param name="TrainLoss">Mean training loss over the epoch's batches (with augmentation and label smoothing).</param>
/// <param name="TrainAccuracy">Fraction of training images classified correctly while training.</param>
/// <param name="ValidationLoss">Mean cross-entropy on the validation data (no smoothing), when given.</param>
/// <param name="ValidationAccuracy">Validation accuracy, when validation data is given.</param>
/// <param name="LearningRate">The learning rate of the epoch's last step.</param>
/// <param name="ImagesPerSecond">Training throughput of the epoch.</param>
/// <param name="Elapsed">Wall time since the run (or the resumed run) started.</param>
/// <param name="EstimatedRemaining">Estimated time to finish the planned epochs.</param>
public sealed record EpochMetrics(int Epoch, int Epochs, double TrainLoss, double TrainAccuracy, double? ValidationLoss,
    double? ValidationAccuracy, double LearningRate, double ImagesPerSecond, TimeSpan Elapsed, TimeSpan EstimatedRemaining);

/// <summary>Progress inside an epoch, for live progress bars.</summary>
/// <param name="Epoch">The 1-based epoch number.</param>
/// <param name="Batch">Batches done in this epoch.</param>
/// <param name="Batches">Batches per epoch.</param>
/// <param name="RunningLoss">Mean training loss so far in this epoch, read from the device only every
/// <see cref="Trainer.ProgressInterval"/> batches (null until the first read).</param>
public sealed record BatchProgress(int Epoch, int Batch, int Batches, double? RunningLoss);

/// <summary>The outcome of <see cref="Trainer.Fit"/>.</summary>
/// <param name="History">Metrics of every completed epoch (including those before a resume).</param>
/// <param name="Cancelled">Whether the run stopped because of the cancellation token (the model holds the weights
/// after the last completed batch).</param>
/// <param name="StoppedEarly">Whether early stopping ended the run.</param>
/// <param name="BestEpoch">The epoch with the lowest validation loss (or the last epoch without validation data); 0 if none completed.</param>
public sealed record TrainingResult(IReadOnlyList<EpochMetrics> History, bool Cancelled, bool StoppedEarly, int BestEpoch);

using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Modules;

namespace ResNet.MLNet.Engine;

/// <summary>Validation during training: mean cross-entropy (no smoothing) and accuracy in evaluation mode, summed on the device.</summary>
internal static class Evaluation
{
    public static (double? Loss, double? Accuracy) LossAndAccuracy(Module model, ITrainingData data, TrainerOptions options)
    {
        bool wasTraining = model.IsTraining;
        model.Eval();
        using var metrics = new MetricsAccumulator(options.Device);
        using (Autograd.NoGrad())
        {
            foreach (var (images, labels) in data.Batches(options.BatchSize * 2, shuffle: false, seed: 0))
            {
                using var scope = TensorScope.Begin();
                using (images)
                using (labels)
                {
                    var (x, y) = DeviceBatch.Prepare(images, labels, options.Device, options.ChannelsLast);
                    var logits = model.Forward(x);
                    metrics.Add(F.CrossEntropy(logits, y), logits, y);
                }
            }
        }
        model.Train(wasTraining);
        var (loss, accuracy) = metrics.Read();
        return (loss, accuracy);
    }
}

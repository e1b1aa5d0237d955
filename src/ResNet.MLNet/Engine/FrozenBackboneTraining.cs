using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Modules;

namespace ResNet.MLNet.Engine;

/// <summary>
/// Trains only the classifier head of a network whose backbone stays frozen, the fast path of transfer learning
/// (what ML.NET's image classifier calls the bottleneck phase): every image's pooled features are computed once by
/// the backbone in evaluation mode, then the head alone trains on those cached vectors with the ordinary
/// <see cref="Trainer"/>, and its weights are copied into the network's <c>fc</c>. The backbone's parameters and BN
/// statistics are never written.
/// </summary>
public static class FrozenBackboneTraining
{
    /// <summary>
    /// Trains <paramref name="model"/>'s head on <paramref name="train"/> (validation on <paramref name="validation"/>)
    /// with <paramref name="options"/>, whose augmentation must be none (features are computed once per image).
    /// The model is left on the CPU in evaluation mode.
    /// </summary>
    public static TrainingResult Fit(Models.ResNet model, ITrainingData train, ITrainingData? validation, TrainerOptions options,
        IProgress<EpochMetrics>? progress = null, CancellationToken cancellationToken = default, IProgress<BatchProgress>? batchProgress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Augmentation.RandomCropPadding != 0 || options.Augmentation.HorizontalFlip)
            throw new ArgumentException("a frozen backbone computes each image's features once, so training cannot augment images: " +
                                        "set Augmentation to none, or fine-tune the whole network");
        using var cachedTrain = Features(model, train, options.Device);
        using var cachedValidation = validation == null ? null : Features(model, validation, options.Device);
        using var head = new Head(model.Fc);
        var result = new Trainer(head, options with { ChannelsLast = false, BackboneLearningRateScale = 1, FreezeBatchNormStatistics = false })
            .Fit(cachedTrain, cachedValidation, progress, cancellationToken, batchProgress);
        head.To(Device.Cpu);
        model.Fc.Weight.CopyInPlace(head.Fc.Weight);
        model.Fc.Bias?.CopyInPlace(head.Fc.Bias!);
        return result;
    }

    /// <summary>The pooled features (N, F, 1, 1) of every example, computed in evaluation mode on <paramref name="device"/>,
    /// with the labels; on the CPU, owned by the caller.</summary>
    public static InMemoryTrainingData Features(Models.ResNet model, ITrainingData data, Device device)
    {
        model.To(device);
        model.Eval();
        var batches = new List<Tensor>();
        var labels = new List<Tensor>();
        try
        {
            using (Autograd.NoGrad())
                foreach (var (images, y) in data.Batches(256, shuffle: false, seed: 0))
                    using (var scope = TensorScope.Begin())
                    using (images)
                    {
                        var f = model.Features(images.To(device));
                        batches.Add(f.To(Device.Cpu).Reshape(f.Shape[0], f.Shape[1], 1, 1).DetachFromScope());
                        labels.Add(y);
                    }
            using var scope2 = TensorScope.Begin();
            var width = model.Fc.InFeatures;
            var all = batches.Count == 0 ? Tensor.Empty(new long[] { 0, width, 1, 1 }) : Tensor.Cat(batches);
            var allLabels = labels.Count == 0 ? Tensor.FromArray(Array.Empty<long>()) : Tensor.Cat(labels);
            return new InMemoryTrainingData(all.DetachFromScope(), allLabels.DetachFromScope(), data.ClassNames);
        }
        finally
        {
            foreach (var t in batches.Concat(labels)) t.Dispose();
            model.To(Device.Cpu);
        }
    }

    /// <summary>A copy of the network's classifier under the same name (<c>fc</c>), fed (N, F, 1, 1) cached features.</summary>
    private sealed class Head : Module
    {
        public Linear Fc { get; }

        public Head(Linear fc)
        {
            Fc = RegisterModule("fc", new Linear(fc.InFeatures, fc.OutFeatures, fc.Bias != null));
            Fc.Weight.CopyInPlace(fc.Weight);
            Fc.Bias?.CopyInPlace(fc.Bias!);
        }

        public override Tensor Forward(Tensor input) => Fc.Forward(input.Flatten(1));
    }
}

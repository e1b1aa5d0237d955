using ResNet.MLNet.Data.Images;
using ResNet.MLNet.Engine;
using ResNet.MLNet.Models;
using ResNet.MLNet.Torch;

namespace ResNet.MLNet;

/// <summary>
/// Trains a residual network on an image column and a key label column (ML.NET-style estimator). The class names
/// are the label column's key values and travel with the fitted <see cref="ResNetClassifierTransformer"/>.
/// </summary>
public sealed class ResNetClassifierEstimator : IEstimator<ResNetClassifierTransformer>
{
    private readonly ResNetClassifierOptions _options;
    private readonly int _seed;

    internal ResNetClassifierEstimator(ResNetClassifierOptions options, int contextSeed)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _seed = options.Seed ?? contextSeed;
        options.Preprocessing.Validate();
        if (options.ValidationFraction is < 0 or >= 1) throw new ArgumentException($"ValidationFraction must be in [0, 1), got {options.ValidationFraction}");
        if (options.ScoringBatchSize < 1) throw new ArgumentException($"ScoringBatchSize must be at least 1, got {options.ScoringBatchSize}");
    }

    /// <inheritdoc/>
    public ResNetClassifierTransformer Fit(IDataView input)
    {
        var o = _options;
        var classNames = input.Schema[ImageColumnReader.CheckLabelColumn(input.Schema, o.LabelColumnName)].KeyValues!;
        ImageColumnReader.CheckImageColumn(input.Schema, o.ImageColumnName);
        var (images, labels, sources) = ImageColumnReader.Read(input, o.ImageColumnName, o.LabelColumnName, o.CancellationToken);
        if (images.Count == 0) throw new ArgumentException("the training data view is empty: there is nothing to train on");
        var skipped = o.SkipUndecodableImages ? RemoveUndecodable(images, labels, sources) : new List<SkippedImage>();
        if (images.Count == 0) throw new InvalidDataException($"none of the {skipped.Count} training images could be decoded (first: {skipped[0].Source}: {skipped[0].Reason})");
        CheckClasses(labels, classNames);

        var device = o.Device.Type == DeviceType.Cuda && !TorchRuntime.CudaIsAvailable ? Device.Cpu : o.Device;
        ITrainingData train;
        ITrainingData? validation;
        if (o.ValidationSet is { } set)
        {
            // An explicit validation set takes precedence over ValidationFraction: every training row trains.
            var (vi, vl, vs) = ImageColumnReader.Read(set, o.ImageColumnName, o.LabelColumnName, o.CancellationToken);
            if (set.Schema[o.LabelColumnName].KeyValues!.Count != classNames.Count)
                throw new ArgumentException($"the validation set's label column has {set.Schema[o.LabelColumnName].KeyValues!.Count} classes but the training data has {classNames.Count}: " +
                                            "map both with the same fitted MapValueToKey");
            train = new ImageTrainingData(images, labels.ToArray(), classNames, o.Preprocessing, i => sources[i]);
            validation = new ImageTrainingData(vi, vl.ToArray(), classNames, o.Preprocessing, i => vs[i]);
        }
        else (train, validation) = SplitValidation(images, labels, sources, classNames);

        TorchRuntime.ManualSeed((ulong)_seed);
        var model = ResNetZoo.Create(o.Architecture, classNames.Count, o.Channels);
        try
        {
            var trainer = new Trainer(model, o.ToTrainerOptions(_seed, device));
            var result = trainer.Fit(train, validation,
                o.MetricsCallback == null ? null : new CallbackProgress<EpochMetrics>(o.MetricsCallback), o.CancellationToken,
                o.BatchCallback == null ? null : new CallbackProgress<BatchProgress>(o.BatchCallback));
            model.To(Device.Cpu);
            return new ResNetClassifierTransformer(model, new ClassifierSettings(o.Architecture, o.Preprocessing, classNames,
                o.ImageColumnName, o.ScoreColumnName, o.PredictedLabelColumnName, o.ScoringBatchSize),
                o.Describe(_seed, device), result.History, skipped, device);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private List<SkippedImage> RemoveUndecodable(List<object?> images, List<long> labels, List<string> sources)
    {
        var reasons = new string?[images.Count];
        Parallel.For(0, images.Count, i =>
        {
            try { ImageLoader.Load(images[i], _options.Channels, sources[i]); }
            catch (ImageDecodeException e) { reasons[i] = e.Message; }
        });
        var skipped = new List<SkippedImage>();
        for (int i = images.Count - 1; i >= 0; i--)
        {
            if (reasons[i] == null) continue;
            skipped.Add(new SkippedImage(sources[i], reasons[i]!));
            images.RemoveAt(i);
            labels.RemoveAt(i);
            sources.RemoveAt(i);
        }
        skipped.Reverse();
        return skipped;
    }

    private static void CheckClasses(List<long> labels, IReadOnlyList<string> classNames)
    {
        var present = labels.Distinct().ToList();
        if (present.Count < 2)
            throw new ArgumentException($"the training data has a single class ('{classNames[(int)present[0]]}'): a classifier needs images of at least two classes");
    }

    private (ITrainingData Train, ITrainingData? Validation) SplitValidation(List<object?> images, List<long> labels, List<string> sources, IReadOnlyList<string> classNames)
    {
        var p = _options.Preprocessing;
        if (_options.ValidationFraction <= 0)
            return (new ImageTrainingData(images, labels.ToArray(), classNames, p, i => sources[i]), null);
        var order = Enumerable.Range(0, images.Count).ToArray();
        new Random(_seed).Shuffle(order);
        int held = Math.Max(1, (int)Math.Round(_options.ValidationFraction * images.Count));
        if (held >= images.Count) throw new ArgumentException($"ValidationFraction {_options.ValidationFraction} leaves no training images out of {images.Count}");
        ImageTrainingData Subset(IEnumerable<int> idx)
        {
            var list = idx.ToArray();
            return new ImageTrainingData(list.Select(i => images[i]).ToArray(), list.Select(i => labels[i]).ToArray(), classNames, p,
                i => sources[list[i]]);
        }
        return (Subset(order.Skip(held).Order()), Subset(order.Take(held).Order()));
    }

    /// <summary>Invokes a callback synchronously (unlike <see cref="Progress{T}"/>, which posts to a context).</summary>
    private sealed class CallbackProgress<T>(Action<T> callback) : IProgress<T>
    {
        public void Report(T value) => callback(value);
    }
}

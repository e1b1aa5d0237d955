using Microsoft.ML;
using Microsoft.ML.Data;
using ResNet.MLNet.Engine;
using ResNet.MLNet.Export;
using ResNet.MLNet.Models;
using ResNet.MLNet.Models.Pretrained;
using ResNet.MLNet.Pipeline;
using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Serialization;

namespace ResNet.MLNet;

/// <summary>
/// Trains a residual network on an image column and a key label column inside an ML.NET pipeline
/// (<c>ml.Transforms.ResNetClassifier(options)</c>). Fit preprocesses the images with ML.NET's own image transforms,
/// trains on libtorch, exports the network to ONNX and returns a <see cref="ResNetClassifierTransformer"/> that scores
/// through ML.NET's <c>ApplyOnnxModel</c> and saves with <c>ml.Model.Save</c>.
/// </summary>
public sealed class ResNetClassifierEstimator : IEstimator<ResNetClassifierTransformer>
{
    private readonly ResNetClassifierOptions _options;

    internal ResNetClassifierEstimator(ResNetClassifierOptions options)
    {
        options.Validate();
        _options = options;
    }

    /// <summary>The options this estimator trains with.</summary>
    public ResNetClassifierOptions Options => _options;

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var o = _options;
        var names = inputSchema.Select(c => c.Name).ToArray();
        if (!names.Contains(o.ImageColumnName)) throw ColumnErrors.Missing("image", o.ImageColumnName, nameof(o.ImageColumnName), names);
        var label = inputSchema.FirstOrDefault(c => c.Name == o.LabelColumnName);
        if (label.Name == null) throw ColumnErrors.Missing("label", o.LabelColumnName, nameof(o.LabelColumnName), names);
        if (!label.IsKey) throw ColumnErrors.NotAKey(o.LabelColumnName, label.ItemType);
        // SchemaShape.Column has no public constructor: stock estimators describe a known-size float vector (Score)
        // and a key column with the label's values (PredictedLabel).
        var ml = new MLContext();
        return ml.Transforms.Conversion.MapKeyToVector(o.ScoreColumnName, o.LabelColumnName)
            .Append(ml.Transforms.CopyColumns(o.PredictedLabelColumnName, o.LabelColumnName))
            .GetOutputSchema(inputSchema);
    }

    /// <inheritdoc/>
    public ResNetClassifierTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var o = _options;
        var kind = ImageInput.Detect(input.Schema, o);
        var keys = LabelKeys.Read(input.Schema, o.LabelColumnName);
        // Pretrained weights come first: their recorded normalisation (unless the user set one) shapes the pixels read.
        var weightsPath = o.Pretrained == null ? null : PretrainedSource.Resolve(o.Pretrained, o.PretrainedSha256, cancellationToken: o.CancellationToken);
        if (weightsPath != null && o.Mean == null && o.Std == null && PretrainedSource.Normalisation(weightsPath, o.Channels) is { } recorded)
            o = o with { Mean = recorded.Mean, Std = recorded.Std };
        var ml = new MLContext(o.Seed);
        var preprocessing = ImageInput.Preprocessing(ml.Transforms, kind, o)?.Fit(input);

        var classes = keys.ClassNames;
        var train = PixelReader.Read(input, preprocessing, kind, o, classes.Count, o.SkipUndecodableImages, o.CancellationToken, "training data");
        if (train.Labels.Length == 0)
            throw new ArgumentException(train.Skipped.Count == 0 ? "the training data view is empty: there is nothing to train on"
                : $"none of the {train.Skipped.Count} training images could be decoded (first: {train.Skipped[0].Source}: {train.Skipped[0].Reason})");
        var present = train.Labels.Distinct().ToArray();
        if (present.Length < 2)
            throw new ArgumentException($"the training data has a single class ('{classes[(int)present[0]]}'): a classifier needs images of at least two classes");

        var (trainData, validation) = Split(o, train, preprocessing, kind, keys);
        var device = o.Device.OrCpuWhenUnavailable();
        using var model = CreateModel(o, weightsPath, classes.Count, out var loadReport);
        TrainingResult result;
        using (trainData)
        using (validation)
        {
            var trainerOptions = o.ToTrainerOptions(device);
            var progress = o.MetricsCallback == null ? null : new CallbackProgress<EpochMetrics>(o.MetricsCallback);
            var batchProgress = o.BatchCallback == null ? null : new CallbackProgress<BatchProgress>(o.BatchCallback);
            result = o.EffectiveFineTuning == FineTuningMode.FrozenBackbone
                ? FrozenBackboneTraining.Fit(model, trainData, validation, trainerOptions, progress, o.CancellationToken, batchProgress)
                : new Trainer(model, trainerOptions).Fit(trainData, validation, progress, o.CancellationToken, batchProgress);
        }
        model.To(Device.Cpu);
        model.Eval();
        var onnx = ExportOnnx(o, model, kind, classes, device);
        var scoring = ScoringChain.Build(ml, input, preprocessing, kind, o, keys, onnx);
        var weights = new MemoryStream();
        SafeTensors.Save(weights, model.StateDict(), PretrainedSource.NormalisationMetadata(o.EffectiveMean, o.EffectiveStd));
        return new ResNetClassifierTransformer(scoring, weights.ToArray(), o, onnx, classes, o.Describe(device), result.History, train.Skipped, loadReport);
    }

    /// <summary>The network to train: freshly initialised, or built with <paramref name="weightsPath"/>'s weights and a
    /// fresh head for <paramref name="classCount"/> classes. A backbone key the file lacks or shapes differently is an
    /// error: such a network would train from a half-random backbone.</summary>
    private static Models.ResNet CreateModel(ResNetClassifierOptions o, string? weightsPath, int classCount, out PretrainedLoadReport? report)
    {
        TorchRuntime.ManualSeed((ulong)o.Seed);
        report = null;
        return weightsPath == null ? ResNetZoo.Create(o.Architecture, classCount, o.Channels)
            : PretrainedNetwork.Create(o.Architecture, weightsPath, classCount, o.Channels, out report);
    }

    private static byte[] ExportOnnx(ResNetClassifierOptions o, Models.ResNet model, ImageInputKind kind, IReadOnlyList<string> classes, Device device)
    {
        var metadata = new Dictionary<string, string>(o.Describe(device))
        {
            ["classNames"] = System.Text.Json.JsonSerializer.Serialize(classes),
            ["mean"] = System.Text.Json.JsonSerializer.Serialize(o.EffectiveMean),
            ["std"] = System.Text.Json.JsonSerializer.Serialize(o.EffectiveStd),
            ["input"] = $"planar pixels in [0, 1], shape N x {o.Channels} x {o.ImageSize} x {o.ImageSize}",
            ["library"] = "ResNet.MLNet " + typeof(ResNetClassifierEstimator).Assembly.GetName().Version,
        };
        return OnnxExporter.Export(model, new OnnxExportOptions
        {
            InputName = ImageInput.PixelColumn(kind, o), Channels = o.Channels, Height = o.ImageSize, Width = o.ImageSize,
            Mean = o.EffectiveMean, Std = o.EffectiveStd, ProbabilitiesName = o.ScoreColumnName,
            PredictedIndexName = ChainColumns.PredictedIndex, Metadata = metadata,
        });
    }

    private static (InMemoryTrainingData Train, InMemoryTrainingData? Validation) Split(ResNetClassifierOptions o, PixelReader.Result train,
        ITransformer? preprocessing, ImageInputKind kind, LabelKeys keys)
    {
        var classes = keys.ClassNames;
        if (o.ValidationSet is { } set)
        {
            // An explicit validation set takes precedence over ValidationFraction: every training row trains.
            var setKeys = LabelKeys.Read(set.Schema, o.LabelColumnName);
            if (!setKeys.ClassNames.SequenceEqual(classes))
                throw new ArgumentException($"the validation set's label keys ({setKeys.ClassNames.Count} classes) differ from the training data's ({classes.Count}): " +
                                            "map both with the same fitted MapValueToKey");
            if (ImageInput.Detect(set.Schema, o) != kind)
                throw new ArgumentException($"the validation set's image column '{o.ImageColumnName}' holds {set.Schema[o.ImageColumnName].Type}, unlike the training data");
            var v = PixelReader.Read(set, preprocessing, kind, o, classes.Count, o.SkipUndecodableImages, o.CancellationToken, "validation set");
            return (PixelReader.ToTrainingData(train, o, classes), v.Labels.Length == 0 ? null : PixelReader.ToTrainingData(v, o, classes));
        }
        if (o.ValidationFraction <= 0) return (PixelReader.ToTrainingData(train, o, classes), null);
        int n = train.Labels.Length, per = o.ValuesPerImage;
        var order = Enumerable.Range(0, n).ToArray();
        new Random(o.Seed).Shuffle(order);
        int held = Math.Max(1, (int)Math.Round(o.ValidationFraction * n));
        if (held >= n) throw new ArgumentException($"ValidationFraction {o.ValidationFraction} leaves no training images out of {n}");
        PixelReader.Result Subset(IEnumerable<int> rows)
        {
            var list = rows.Order().ToArray();
            var pixels = new float[list.Length * per];
            for (int i = 0; i < list.Length; i++) Array.Copy(train.Pixels, (long)list[i] * per, pixels, (long)i * per, per);
            return new PixelReader.Result(pixels, list.Select(i => train.Labels[i]).ToArray(), new());
        }
        return (PixelReader.ToTrainingData(Subset(order.Skip(held)), o, classes), PixelReader.ToTrainingData(Subset(order.Take(held)), o, classes));
    }

    /// <summary>Invokes a callback synchronously (unlike <see cref="Progress{T}"/>, which posts to a context).</summary>
    private sealed class CallbackProgress<T>(Action<T> callback) : IProgress<T>
    {
        public void Report(T value) => callback(value);
    }
}

using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
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

        // Progress reaches ml.Log through a channel of the context the user passed (an extension cannot reach the
        // catalog's own context through public API).
        using var channel = (o.LogTo as IHostEnvironment)?.Start("ResNetClassifier");
        void Log(string message) => channel?.Info(MessageSensitivity.None, message);
        var classes = keys.ClassNames;
        var (rows, present) = PixelReader.CountLabels(input, o.LabelColumnName, o.CancellationToken);
        if (rows == 0) throw new ArgumentException("the training data view is empty: there is nothing to train on");
        if (present.Count == 1 && !present.Contains(0))
            throw new ArgumentException($"the training data has a single class ('{classes[(int)present.Single() - 1]}'): a classifier needs images of at least two classes");
        long budget = o.MaxInMemoryTrainingBytes ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4;
        bool stream = rows * o.ValuesPerImage * (long)sizeof(float) > budget;
        Log(stream ? $"{rows} training images of {o.ValuesPerImage} values exceed the in-memory budget of {budget >> 20} MiB: streaming them, decoded again each epoch"
                   : $"{rows} training images: decoding them once into memory");
        var (trainData, validation, skipped) = stream ? Streamed(o, input, rows, preprocessing, kind, keys, budget) : InMemory(o, input, preprocessing, kind, keys);
        var trainerOptions = o.ToTrainerOptions();
        using var model = CreateModel(o, weightsPath, classes.Count, out var loadReport);
        TrainingResult result;
        float[]? calibration = null;
        using (trainData as IDisposable)
        using (validation as IDisposable)
        {
            var progress = new CallbackProgress<EpochMetrics>(m =>
            {
                Log($"epoch {m.Epoch}/{m.Epochs}: loss {m.TrainLoss:0.####}, accuracy {m.TrainAccuracy:P2}" +
                    (m.ValidationAccuracy is { } va ? $", validation loss {m.ValidationLoss:0.####}, accuracy {va:P2}" : "") + $", {m.ImagesPerSecond:0} img/s");
                o.MetricsCallback?.Invoke(m);
            });
            var batchProgress = o.BatchCallback == null ? null : new CallbackProgress<BatchProgress>(o.BatchCallback);
            result = o.EffectiveFineTuning == FineTuningMode.FrozenBackbone
                ? FrozenBackboneTraining.Fit(model, trainData, validation, trainerOptions, progress, o.CancellationToken, batchProgress)
                : new Trainer(model, trainerOptions).Fit(trainData, validation, progress, o.CancellationToken, batchProgress);
            if (o.QuantizeScoringModel && result.History.Count > 0) calibration = CalibrationPixels(trainData, o);
        }
        var skippedImages = skipped();
        if (result.History.Count > 0 && skippedImages.Count >= rows)
            throw new ArgumentException($"none of the {rows} training images could be decoded (first: {skippedImages[0].Source}: {skippedImages[0].Reason})");
        foreach (var s in skippedImages) Log($"skipped {s.Source}: {s.Reason}");
        model.To(Device.Cpu);
        model.Eval();
        var onnx = ExportOnnx(o, model, kind, classes, calibration);
        var scoring = ScoringChain.Build(ml, input, preprocessing, kind, o, keys, onnx);
        var weights = new MemoryStream();
        SafeTensors.Save(weights, model.StateDict(), PretrainedSource.NormalisationMetadata(o.EffectiveMean, o.EffectiveStd));
        return new ResNetClassifierTransformer(scoring, weights.ToArray(), o, onnx, classes, o.Manifest(), result.History, skippedImages.ToList(), loadReport);
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

    /// <summary>Calibration images for <see cref="ResNetClassifierOptions.QuantizeScoringModel"/>: a seeded draw of
    /// training images, in the exported graph's input units (pixels in [0, 1]: the normalisation is undone, the graph
    /// applies it itself).</summary>
    private static float[] CalibrationPixels(ITrainingData data, ResNetClassifierOptions o)
    {
        using var scope = TensorScope.Begin();
        var (images, _) = data.Batches(Math.Min(o.QuantizationCalibrationImages, data.Count), shuffle: true, seed: o.Seed, o.CancellationToken).First();
        var pixels = images.To(Device.Cpu).Contiguous().ToArray<float>();
        var (mean, std) = (o.EffectiveMean, o.EffectiveStd);
        int plane = data.Height * data.Width;
        for (int i = 0; i < pixels.Length; i++)
        {
            int c = i / plane % data.Channels;
            pixels[i] = pixels[i] * std[c] + mean[c];
        }
        return pixels;
    }

    private static byte[] ExportOnnx(ResNetClassifierOptions o, Models.ResNet model, ImageInputKind kind, IReadOnlyList<string> classes, float[]? calibration)
    {
        var metadata = new Dictionary<string, string>(o.Manifest())
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
            Quantization = calibration == null ? null : new OnnxQuantization { CalibrationImages = calibration },
        });
    }

    /// <summary>Training (and validation) images decoded once into memory.</summary>
    private static (ITrainingData Train, ITrainingData? Validation, Func<IReadOnlyList<SkippedImage>> Skipped) InMemory(ResNetClassifierOptions o, IDataView input,
        ITransformer? preprocessing, ImageInputKind kind, LabelKeys keys)
    {
        var classes = keys.ClassNames;
        var train = PixelReader.Read(input, preprocessing, kind, o, classes.Count, o.SkipUndecodableImages, o.CancellationToken, "training data");
        if (train.Labels.Length == 0)
            throw new ArgumentException($"none of the {train.Skipped.Count} training images could be decoded (first: {train.Skipped[0].Source}: {train.Skipped[0].Reason})");
        var present = train.Labels.Distinct().ToArray();
        if (present.Length < 2)
            throw new ArgumentException($"the training data has a single class ('{classes[(int)present[0]]}') among its decodable images: a classifier needs images of at least two classes");
        if (ValidationSetOf(o, kind, keys) is { } set)
        {
            // An explicit validation set takes precedence over ValidationFraction: every training row trains.
            var v = PixelReader.Read(set, preprocessing, kind, o, classes.Count, o.SkipUndecodableImages, o.CancellationToken, "validation set");
            return (PixelReader.ToTrainingData(train, o, classes), v.Labels.Length == 0 ? null : PixelReader.ToTrainingData(v, o, classes),
                () => train.Skipped.Concat(v.Skipped).ToList());
        }
        if (o.ValidationFraction <= 0) return (PixelReader.ToTrainingData(train, o, classes), null, () => train.Skipped);
        int n = train.Labels.Length, per = o.ValuesPerImage;
        var order = SeededShuffle.Order(n, o.Seed);
        int held = Math.Max(1, (int)Math.Round(o.ValidationFraction * n));
        if (held >= n) throw new ArgumentException($"ValidationFraction {o.ValidationFraction} leaves no training images out of {n}");
        PixelReader.Result Subset(IEnumerable<int> rows)
        {
            var list = rows.Order().ToArray();
            var pixels = new float[list.Length * per];
            for (int i = 0; i < list.Length; i++) Array.Copy(train.Pixels, (long)list[i] * per, pixels, (long)i * per, per);
            return new PixelReader.Result(pixels, list.Select(i => train.Labels[i]).ToArray(), new());
        }
        return (PixelReader.ToTrainingData(Subset(order.Skip(held)), o, classes), PixelReader.ToTrainingData(Subset(order.Take(held)), o, classes),
            () => train.Skipped);
    }

    /// <summary>Training (and validation) images read through ML.NET cursors every epoch; a validation fraction is
    /// held out by ML.NET's <c>TrainTestSplit</c> (a seeded draw per row).</summary>
    private static (ITrainingData Train, ITrainingData? Validation, Func<IReadOnlyList<SkippedImage>> Skipped) Streamed(ResNetClassifierOptions o, IDataView input, long rows,
        ITransformer? preprocessing, ImageInputKind kind, LabelKeys keys, long budget)
    {
        var classes = keys.ClassNames;
        IDataView trainView = input;
        IDataView? validationView = ValidationSetOf(o, kind, keys);
        if (validationView == null && o.ValidationFraction > 0)
        {
            var split = new MLContext(o.Seed).Data.TrainTestSplit(input, o.ValidationFraction, seed: o.Seed);
            (trainView, validationView) = (split.TrainSet, split.TestSet);
            rows = PixelReader.CountLabels(trainView, o.LabelColumnName, o.CancellationToken).Rows;
        }
        var train = new StreamingTrainingData(trainView, rows, preprocessing, kind, o, classes, "training data", budget);
        StreamingTrainingData? validation = null;
        if (validationView != null && PixelReader.CountLabels(validationView, o.LabelColumnName, o.CancellationToken).Rows is > 0 and var n)
            validation = new StreamingTrainingData(validationView, n, preprocessing, kind, o, classes, "validation set", budget);
        return (train, validation, () => train.Skipped.Concat(validation?.Skipped ?? []).ToList());
    }

    /// <summary>The options' validation set, checked against the training data's keys and image column.</summary>
    private static IDataView? ValidationSetOf(ResNetClassifierOptions o, ImageInputKind kind, LabelKeys keys)
    {
        if (o.ValidationSet is not { } set) return null;
        var setKeys = LabelKeys.Read(set.Schema, o.LabelColumnName);
        if (!setKeys.ClassNames.SequenceEqual(keys.ClassNames))
            throw new ArgumentException($"the validation set's label keys ({setKeys.ClassNames.Count} classes) differ from the training data's ({keys.ClassNames.Count}): " +
                                        "map both with the same fitted MapValueToKey");
        if (ImageInput.Detect(set.Schema, o) != kind)
            throw new ArgumentException($"the validation set's image column '{o.ImageColumnName}' holds {set.Schema[o.ImageColumnName].Type}, unlike the training data");
        return set;
    }

    /// <summary>Invokes a callback synchronously (unlike <see cref="Progress{T}"/>, which posts to a context).</summary>
    private sealed class CallbackProgress<T>(Action<T> callback) : IProgress<T>
    {
        public void Report(T value) => callback(value);
    }
}

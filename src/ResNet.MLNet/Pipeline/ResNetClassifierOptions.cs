using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.ML;
using ResNet.MLNet.Data;
using ResNet.MLNet.Engine;
using ResNet.MLNet.Torch;

namespace ResNet.MLNet;

/// <summary>Settings of <see cref="ResNetCatalog.ResNetClassifier"/>; every default is documented and all are data.
/// The image settings (column, network, size, channels, resizing, normalisation, pretrained weights) are
/// <see cref="ResNetImageOptions"/>'s; the trainer settings are one <see cref="TrainerOptions"/>,
/// <see cref="Training"/>, whose common members also read and write here under their own names
/// (<c>new ResNetClassifierOptions { Epochs = 3 }</c> sets <c>Training.Epochs</c>).</summary>
public sealed record ResNetClassifierOptions : ResNetImageOptions
{
    /// <summary>The trainer settings a classifier starts from: <see cref="TrainerOptions"/>' defaults except 10 epochs,
    /// batches of 32 and a peak learning rate of 0.05 (a recipe for fine-tuning-sized image sets).</summary>
    public static TrainerOptions DefaultTraining { get; } = new() { Epochs = 10, BatchSize = 32, LearningRate = 0.05 };

    /// <summary>The label column; must be a key column (use MapValueToKey first). Default <see cref="ResNetColumns.Label"/>.</summary>
    public string LabelColumnName { get; init; } = ResNetColumns.Label;
    /// <summary>The output probability column (float[] with class-name slots). Default <see cref="ResNetColumns.Score"/>.</summary>
    public string ScoreColumnName { get; init; } = ResNetColumns.Score;
    /// <summary>The output predicted-class key column. Default <see cref="ResNetColumns.PredictedLabel"/>.</summary>
    public string PredictedLabelColumnName { get; init; } = ResNetColumns.PredictedLabel;

    /// <summary>How the network trains: every <see cref="TrainerOptions"/> setting (momentum, warm-up, schedule
    /// milestones, ... as well as the ones below). <see cref="Device"/> falls back to the CPU without CUDA;
    /// <see cref="TrainerOptions.BackboneLearningRateScale"/> and <see cref="TrainerOptions.FreezeBatchNormStatistics"/>
    /// follow <see cref="FineTuning"/> (see <see cref="ToTrainerOptions"/>). Default <see cref="DefaultTraining"/>.</summary>
    [JsonIgnore]
    public TrainerOptions Training { get; init; } = DefaultTraining;

    /// <summary><see cref="TrainerOptions.Epochs"/> of <see cref="Training"/>: passes over the training data.</summary>
    [JsonIgnore]
    public int Epochs { get => Training.Epochs; init => Training = Training with { Epochs = value }; }
    /// <summary><see cref="TrainerOptions.BatchSize"/> of <see cref="Training"/>: images per optimiser step.</summary>
    [JsonIgnore]
    public int BatchSize { get => Training.BatchSize; init => Training = Training with { BatchSize = value }; }
    /// <summary><see cref="TrainerOptions.LearningRate"/> of <see cref="Training"/>: the peak learning rate.</summary>
    [JsonIgnore]
    public double LearningRate { get => Training.LearningRate; init => Training = Training with { LearningRate = value }; }
    /// <summary><see cref="TrainerOptions.Schedule"/> of <see cref="Training"/>: the learning-rate schedule.</summary>
    [JsonIgnore]
    public LearningRateSchedule Schedule { get => Training.Schedule; init => Training = Training with { Schedule = value }; }
    /// <summary><see cref="TrainerOptions.WeightDecay"/> of <see cref="Training"/>: SGD weight decay.</summary>
    [JsonIgnore]
    public double WeightDecay { get => Training.WeightDecay; init => Training = Training with { WeightDecay = value }; }
    /// <summary><see cref="TrainerOptions.LabelSmoothing"/> of <see cref="Training"/>.</summary>
    [JsonIgnore]
    public double LabelSmoothing { get => Training.LabelSmoothing; init => Training = Training with { LabelSmoothing = value }; }
    /// <summary><see cref="TrainerOptions.Augmentation"/> of <see cref="Training"/>: training augmentation.</summary>
    [JsonIgnore]
    public AugmentationOptions Augmentation { get => Training.Augmentation; init => Training = Training with { Augmentation = value }; }
    /// <summary><see cref="TrainerOptions.EarlyStoppingPatience"/> of <see cref="Training"/>: stop when validation loss
    /// has not improved for this many epochs.</summary>
    [JsonIgnore]
    public int? EarlyStoppingPatience { get => Training.EarlyStoppingPatience; init => Training = Training with { EarlyStoppingPatience = value }; }
    /// <summary><see cref="TrainerOptions.Precision"/> of <see cref="Training"/>: fp32 or bf16 mixed precision (needs
    /// AVX512_BF16 on the CPU); the fitted model is fp32 either way.</summary>
    [JsonIgnore]
    public TrainingPrecision Precision { get => Training.Precision; init => Training = Training with { Precision = value }; }
    /// <summary><see cref="TrainerOptions.Device"/> of <see cref="Training"/>: where to train; a CUDA device falls back
    /// to the CPU when CUDA is unavailable (<see cref="Device.OrCpuWhenUnavailable"/>).</summary>
    [JsonIgnore]
    public Device Device { get => Training.Device; init => Training = Training with { Device = value }; }
    /// <summary><see cref="TrainerOptions.Seed"/> of <see cref="Training"/>, which also seeds initialisation and the
    /// validation split (ML.NET keeps the MLContext's seed internal, so it cannot be read from an extension).</summary>
    [JsonIgnore]
    public int Seed { get => Training.Seed; init => Training = Training with { Seed = value }; }
    /// <summary><see cref="TrainerOptions.CheckpointDirectory"/> of <see cref="Training"/>: folder for per-epoch checkpoints.</summary>
    [JsonIgnore]
    public string? CheckpointDirectory { get => Training.CheckpointDirectory; init => Training = Training with { CheckpointDirectory = value }; }
    /// <summary><see cref="TrainerOptions.Resume"/> of <see cref="Training"/>: continue from the checkpoint in
    /// <see cref="CheckpointDirectory"/>.</summary>
    [JsonIgnore]
    public bool Resume { get => Training.Resume; init => Training = Training with { Resume = value }; }
    /// <summary><see cref="TrainerOptions.Distributed"/> of <see cref="Training"/>: train as one rank of a data-parallel
    /// group (docs/distributed.md); every rank fits the same model.</summary>
    [JsonIgnore]
    public Torch.Distributed.ProcessGroupOptions? Distributed { get => Training.Distributed; init => Training = Training with { Distributed = value }; }

    /// <summary>How pretrained weights are trained. Default null: <see cref="FineTuningMode.FrozenBackbone"/> when
    /// <see cref="ResNetImageOptions.Pretrained"/> is set (fast and safe with few images; choose <see cref="FineTuningMode.FineTune"/> for
    /// more accuracy when images and time allow, docs/transfer.md); without <see cref="ResNetImageOptions.Pretrained"/> the whole network
    /// trains from scratch and setting a mode is an error.</summary>
    [JsonIgnore]
    public FineTuningMode? FineTuning { get; init; }
    /// <summary>With <see cref="FineTuningMode.FineTune"/>, the backbone's learning rate as a multiple of
    /// <see cref="LearningRate"/> (the new head trains at the full rate); 0 freezes the backbone but still runs it per
    /// epoch (so augmentation applies). Default 0.1.</summary>
    public double BackboneLearningRateMultiplier { get; init; } = 0.1;
    /// <summary>Keep the BatchNorm layers in evaluation mode while training: normalise with the pretrained running
    /// statistics and leave them unchanged. Default null: frozen with <see cref="FineTuningMode.FrozenBackbone"/>
    /// (necessarily), updated otherwise.</summary>
    [JsonIgnore]
    public bool? FreezeBatchNormStatistics { get; init; }

    /// <summary>The fine-tuning mode in effect: <see cref="FineTuning"/>, defaulted; null when training from scratch.</summary>
    [JsonPropertyName("fineTuning")]
    public FineTuningMode? EffectiveFineTuning => Pretrained == null ? null : FineTuning ?? FineTuningMode.FrozenBackbone;
    /// <summary>Whether BN statistics are frozen: <see cref="FreezeBatchNormStatistics"/>, defaulted.</summary>
    [JsonIgnore]
    public bool EffectiveFreezeBatchNormStatistics => FreezeBatchNormStatistics ?? EffectiveFineTuning == FineTuningMode.FrozenBackbone;

    /// <summary>Score with an int8 model: after training, the exported ONNX graph is quantized statically
    /// (<see cref="Export.OnnxQuantization"/>: int8 weights, uint8 activations, ONNX Runtime's integer kernels), calibrated
    /// on <see cref="QuantizationCalibrationImages"/> training images drawn with <see cref="Seed"/>. Scoring runs about 2× faster on CPUs with VNNI; predictions can differ from the float model's
    /// on a few images near a class boundary (0.3 % of the Fashion-MNIST test images for WRN-16-4, docs/onnx.md), so
    /// evaluate the fitted model as usual. The training weights stay float. Default false.</summary>
    public bool QuantizeScoringModel { get; init; }
    /// <summary>With <see cref="QuantizeScoringModel"/>, how many training images calibrate the activations' ranges
    /// (at most the training set). Default 256.</summary>
    public int QuantizationCalibrationImages { get; init; } = 256;

    /// <summary>Fraction of the training rows held out (seeded draw) for validation, when no <see cref="ValidationSet"/>
    /// is given. Default 0 (none).</summary>
    public float ValidationFraction { get; init; }
    /// <summary>Validation data with the same columns as the training data (key labels). Default null.</summary>
    [JsonIgnore]
    public IDataView? ValidationSet { get; init; }
    /// <summary>Called after every epoch. Default null.</summary>
    [JsonIgnore]
    public Action<EpochMetrics>? MetricsCallback { get; init; }
    /// <summary>Called during epochs with batch progress. Default null.</summary>
    [JsonIgnore]
    public Action<BatchProgress>? BatchCallback { get; init; }
    /// <summary>Stops training after the current batch; the model keeps the weights reached. Default none.</summary>
    [JsonIgnore]
    public CancellationToken CancellationToken { get; init; }
    /// <summary>Leave out training images that cannot be read or decoded (listed in
    /// <see cref="ResNetClassifierTransformer.SkippedImages"/>) instead of failing. Default false.</summary>
    public bool SkipUndecodableImages { get; init; }
    /// <summary>Decoded training images (4 bytes per value, C·H·W values each) are held in memory up to this many bytes;
    /// a larger set streams: each epoch reads it through ML.NET cursors (shuffled by <c>ShuffleRows</c>) and decodes
    /// it again, one batch ahead of training. Default null: a quarter of the memory available to the process.
    /// 0 always streams.</summary>
    public long? MaxInMemoryTrainingBytes { get; init; }
    /// <summary>An <see cref="MLContext"/> whose <c>Log</c> event receives training progress (the data plan, each
    /// epoch's metrics, skipped images), under the source "ResNetClassifier". Pass the context the pipeline is built
    /// with. Default null (progress goes only to the callbacks).</summary>
    [JsonIgnore]
    public MLContext? LogTo { get; init; }
    /// <summary>Checks the settings; throws naming the offending one.</summary>
    public override void Validate()
    {
        ValidateImage();
        if (ValidationFraction is < 0 or >= 1) throw new ArgumentException($"ValidationFraction must be in [0, 1), got {ValidationFraction}");
        if (QuantizationCalibrationImages < 1) throw new ArgumentException($"QuantizationCalibrationImages must be at least 1, got {QuantizationCalibrationImages}");
        if (MaxInMemoryTrainingBytes is < 0) throw new ArgumentException($"MaxInMemoryTrainingBytes must not be negative, got {MaxInMemoryTrainingBytes}");
        foreach (var (name, column) in new[] { ("LabelColumnName", LabelColumnName), ("ScoreColumnName", ScoreColumnName), ("PredictedLabelColumnName", PredictedLabelColumnName) })
            if (string.IsNullOrWhiteSpace(column)) throw new ArgumentException($"{name} must name a column");
        if (Pretrained == null && FineTuning != null)
            throw new ArgumentException($"FineTuning = {FineTuning} needs Pretrained weights; without them the whole network trains from scratch");
        if (!(BackboneLearningRateMultiplier >= 0) || double.IsInfinity(BackboneLearningRateMultiplier))
            throw new ArgumentException($"BackboneLearningRateMultiplier must be a finite value >= 0, got {BackboneLearningRateMultiplier}");
        if (EffectiveFineTuning == FineTuningMode.FrozenBackbone)
        {
            if (FreezeBatchNormStatistics == false)
                throw new ArgumentException("FreezeBatchNormStatistics = false needs FineTuning = FineTune: a frozen backbone keeps its pretrained BN statistics");
            if (Augmentation.IsEnabled)
                throw new ArgumentException("Augmentation needs FineTuning = FineTune: a frozen backbone computes each image's features once");
        }
        ToTrainerOptions().Validate();
    }

    /// <summary>The trainer settings these options describe: <see cref="Training"/> on the device it can use
    /// (<see cref="Device.OrCpuWhenUnavailable"/>), with the backbone rate and BN freezing that
    /// <see cref="FineTuning"/> implies.</summary>
    public TrainerOptions ToTrainerOptions() => Training with
    {
        Device = Device.OrCpuWhenUnavailable(),
        BackboneLearningRateScale = EffectiveFineTuning == FineTuningMode.FineTune ? BackboneLearningRateMultiplier : 1,
        FreezeBatchNormStatistics = EffectiveFreezeBatchNormStatistics,
    };

    /// <summary>The settings a model was trained with, as text for its manifest
    /// (<see cref="ResNetClassifierTransformer.TrainingOptions"/> and the ONNX metadata): the effective trainer settings
    /// and these options' data, serialised by System.Text.Json (camelCase names, effective values where a setting has a
    /// default rule, unset ones left out, nested settings as JSON), so a new setting is recorded without being listed.</summary>
    internal IReadOnlyDictionary<string, string> Manifest()
    {
        var manifest = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var settings in new object[] { ToTrainerOptions(), this })
            foreach (var p in JsonSerializer.SerializeToElement(settings, settings.GetType(), ManifestJson).EnumerateObject())
                manifest[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
        return manifest;
    }

    private static readonly JsonSerializerOptions ManifestJson = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(), new DeviceText() },
    };

    /// <summary>A device as its text (<c>cpu</c>, <c>cuda:0</c>).</summary>
    private sealed class DeviceText : JsonConverter<Device>
    {
        public override Device Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => Device.Parse(reader.GetString()!);
        public override void Write(Utf8JsonWriter writer, Device value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
    }
}

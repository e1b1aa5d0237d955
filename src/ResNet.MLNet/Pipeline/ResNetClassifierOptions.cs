using Microsoft.ML;
using Microsoft.ML.Transforms.Image;
using ResNet.MLNet.Data.Images;
using ResNet.MLNet.Engine;
using ResNet.MLNet.Models;
using ResNet.MLNet.Torch;

namespace ResNet.MLNet;

/// <summary>Settings of <see cref="ResNetCatalog.ResNetClassifier"/>; every default is documented and all are data.</summary>
public sealed record ResNetClassifierOptions
{
    /// <summary>The input image column: file paths (text), encoded image bytes (a Byte vector, as <c>LoadRawImageBytes</c>
    /// gives), an ML.NET image (<c>LoadImages</c>), or planar float pixels in [0, 1] of shape
    /// <see cref="Channels"/>×<see cref="ImageSize"/>×<see cref="ImageSize"/> (IDX, CIFAR, <c>ExtractPixels</c> with
    /// scale 1/255). Default "ImagePath".</summary>
    public string ImageColumnName { get; init; } = "ImagePath";
    /// <summary>The label column; must be a key column (use MapValueToKey first). Default "Label".</summary>
    public string LabelColumnName { get; init; } = "Label";
    /// <summary>The output probability column (float[] with class-name slots). Default "Score".</summary>
    public string ScoreColumnName { get; init; } = "Score";
    /// <summary>The output predicted-class key column. Default "PredictedLabel".</summary>
    public string PredictedLabelColumnName { get; init; } = "PredictedLabel";

    /// <summary>The network. Default <see cref="ResNetArchitecture.ResNet18"/>.</summary>
    public ResNetArchitecture Architecture { get; init; } = ResNetArchitecture.ResNet18;
    /// <summary>Side of the square model input in pixels. Default 224.</summary>
    public int ImageSize { get; init; } = 224;
    /// <summary>Image channels: 3 (RGB) or 1 (gray). Default 3.</summary>
    public int Channels { get; init; } = 3;
    /// <summary>How images are fitted to <see cref="ImageSize"/> (ML.NET's <c>ResizeImages</c>). Default
    /// <see cref="ImageResizingEstimator.ResizingKind.IsoCrop"/>.</summary>
    public ImageResizingEstimator.ResizingKind Resizing { get; init; } = ImageResizingEstimator.ResizingKind.IsoCrop;
    /// <summary>Folder that relative image paths are resolved against (ML.NET's <c>LoadImages</c> imageFolder).
    /// Default null: paths as they are.</summary>
    public string? ImageFolder { get; init; }
    /// <summary>Per-channel normalisation means of [0, 1] pixels (baked into the saved ONNX graph); default ImageNet's
    /// (RGB) or 0.449 (gray).</summary>
    public float[]? Mean { get; init; }
    /// <summary>Per-channel normalisation standard deviations; default ImageNet's (RGB) or 0.226 (gray).</summary>
    public float[]? Std { get; init; }

    /// <summary>Pretrained weights to start from: a safetensors or PyTorch <c>.pth</c>/<c>.pt</c> state dict (read without
    /// executing anything; torchvision and timm key layouts), or an http(s) URL downloaded into the cache
    /// (<c>RESNET_MLNET_HOME</c>) and pinned by <see cref="PretrainedSha256"/>. The checkpoint's classifier head is
    /// replaced by a fresh one for this data's classes; a gray model's first convolution is derived from RGB weights.
    /// What was loaded is in <see cref="ResNetClassifierTransformer.PretrainedLoad"/>; a backbone key that is missing or
    /// mis-shaped (usually the wrong <see cref="Architecture"/>) is an error naming the keys. Default null: train from
    /// scratch.</summary>
    public string? Pretrained { get; init; }
    /// <summary>The SHA-256 of the <see cref="Pretrained"/> file (64 hex digits): required for a URL, checked for a file
    /// when given. Default null.</summary>
    public string? PretrainedSha256 { get; init; }
    /// <summary>How pretrained weights are trained. Default null: <see cref="FineTuningMode.FrozenBackbone"/> when
    /// <see cref="Pretrained"/> is set (fast and safe with few images; choose <see cref="FineTuningMode.FineTune"/> for
    /// more accuracy when images and time allow, docs/transfer.md); without <see cref="Pretrained"/> the whole network
    /// trains from scratch and setting a mode is an error.</summary>
    public FineTuningMode? FineTuning { get; init; }
    /// <summary>With <see cref="FineTuningMode.FineTune"/>, the backbone's learning rate as a multiple of
    /// <see cref="LearningRate"/> (the new head trains at the full rate); 0 freezes the backbone but still runs it per
    /// epoch (so augmentation applies). Default 0.1.</summary>
    public double BackboneLearningRateMultiplier { get; init; } = 0.1;
    /// <summary>Keep the BatchNorm layers in evaluation mode while training: normalise with the pretrained running
    /// statistics and leave them unchanged. Default null: frozen with <see cref="FineTuningMode.FrozenBackbone"/>
    /// (necessarily), updated otherwise.</summary>
    public bool? FreezeBatchNormStatistics { get; init; }

    /// <summary>The fine-tuning mode in effect: <see cref="FineTuning"/>, defaulted; null when training from scratch.</summary>
    public FineTuningMode? EffectiveFineTuning => Pretrained == null ? null : FineTuning ?? FineTuningMode.FrozenBackbone;
    /// <summary>Whether BN statistics are frozen: <see cref="FreezeBatchNormStatistics"/>, defaulted.</summary>
    public bool EffectiveFreezeBatchNormStatistics => FreezeBatchNormStatistics ?? EffectiveFineTuning == FineTuningMode.FrozenBackbone;

    /// <summary>Passes over the training data. Default 10.</summary>
    public int Epochs { get; init; } = 10;
    /// <summary>Images per optimiser step. Default 32.</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>Peak learning rate. Default 0.05.</summary>
    public double LearningRate { get; init; } = 0.05;
    /// <summary>Learning-rate schedule. Default <see cref="LearningRateSchedule.OneCycle"/>.</summary>
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.OneCycle;
    /// <summary>SGD weight decay. Default 5e-4.</summary>
    public double WeightDecay { get; init; } = 5e-4;
    /// <summary>Label smoothing. Default 0.</summary>
    public double LabelSmoothing { get; init; }
    /// <summary>Training augmentation. Default none.</summary>
    public AugmentationOptions Augmentation { get; init; } = AugmentationOptions.None;

    /// <summary>Fraction of the training rows held out (seeded draw) for validation, when no <see cref="ValidationSet"/>
    /// is given. Default 0 (none).</summary>
    public float ValidationFraction { get; init; }
    /// <summary>Validation data with the same columns as the training data (key labels). Default null.</summary>
    public IDataView? ValidationSet { get; init; }
    /// <summary>Stop when validation loss has not improved for this many epochs. Default null (never).</summary>
    public int? EarlyStoppingPatience { get; init; }

    /// <summary>Training arithmetic: fp32 or bf16 mixed precision (needs AVX512_BF16 on the CPU); the fitted model is
    /// fp32 either way. Default <see cref="TrainingPrecision.Float32"/>.</summary>
    public TrainingPrecision Precision { get; init; } = TrainingPrecision.Float32;
    /// <summary>Where to train; a CUDA device falls back to the CPU when CUDA is unavailable. Default the CPU.</summary>
    public Device Device { get; init; } = Device.Cpu;
    /// <summary>Seed of initialisation, shuffling and validation split. Default 1 (ML.NET keeps the MLContext's seed
    /// internal, so it cannot be read from an extension).</summary>
    public int Seed { get; init; } = 1;
    /// <summary>Called after every epoch. Default null.</summary>
    public Action<EpochMetrics>? MetricsCallback { get; init; }
    /// <summary>Called during epochs with batch progress. Default null.</summary>
    public Action<BatchProgress>? BatchCallback { get; init; }
    /// <summary>Stops training after the current batch; the model keeps the weights reached. Default none.</summary>
    public CancellationToken CancellationToken { get; init; }
    /// <summary>Folder for per-epoch checkpoints. Default null (none).</summary>
    public string? CheckpointDirectory { get; init; }
    /// <summary>Continue from the checkpoint in <see cref="CheckpointDirectory"/>. Default false.</summary>
    public bool Resume { get; init; }
    /// <summary>Train as one rank of a data-parallel group (see <see cref="TrainerOptions.Distributed"/> and
    /// docs/distributed.md); every rank fits the same model. Default null (one process).</summary>
    public Torch.Distributed.ProcessGroupOptions? Distributed { get; init; }

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
    public MLContext? LogTo { get; init; }
    /// <summary>ONNX Runtime intra-op threads of the fitted model's scoring. Default null: all cores.</summary>
    public int? ScoringThreads { get; init; }

    // Size, channels and normalisation defaults and checks live in one place: ImagePreprocessing.
    private ImagePreprocessing Pixels => new() { Width = ImageSize, Height = ImageSize, Channels = Channels, Mean = Mean, Std = Std };

    /// <summary>The means in effect (defaults filled in).</summary>
    public float[] EffectiveMean => Pixels.EffectiveMean;
    /// <summary>The standard deviations in effect (defaults filled in).</summary>
    public float[] EffectiveStd => Pixels.EffectiveStd;
    /// <summary>Floats per preprocessed image (C·H·W).</summary>
    public int ValuesPerImage => Pixels.ValuesPerImage;

    /// <summary>Checks the settings; throws naming the offending one.</summary>
    public void Validate()
    {
        Pixels.Validate();
        if (ValidationFraction is < 0 or >= 1) throw new ArgumentException($"ValidationFraction must be in [0, 1), got {ValidationFraction}");
        if (MaxInMemoryTrainingBytes is < 0) throw new ArgumentException($"MaxInMemoryTrainingBytes must not be negative, got {MaxInMemoryTrainingBytes}");
        if (ScoringThreads is < 1) throw new ArgumentException($"ScoringThreads must be at least 1, got {ScoringThreads}");
        foreach (var (name, column) in new[] { ("ImageColumnName", ImageColumnName), ("LabelColumnName", LabelColumnName), ("ScoreColumnName", ScoreColumnName), ("PredictedLabelColumnName", PredictedLabelColumnName) })
            if (string.IsNullOrWhiteSpace(column)) throw new ArgumentException($"{name} must name a column");
        if (Pretrained == null && PretrainedSha256 != null) throw new ArgumentException("PretrainedSha256 is set but Pretrained names no weights");
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
        ToTrainerOptions(Device).Validate();
    }

    /// <summary>The trainer settings these options describe.</summary>
    public TrainerOptions ToTrainerOptions(Device device) => new()
    {
        Epochs = Epochs, BatchSize = BatchSize, LearningRate = LearningRate, Schedule = Schedule, WeightDecay = WeightDecay,
        LabelSmoothing = LabelSmoothing, Augmentation = Augmentation, EarlyStoppingPatience = EarlyStoppingPatience,
        Seed = Seed, Device = device, CheckpointDirectory = CheckpointDirectory, Resume = Resume, Precision = Precision,
        BackboneLearningRateScale = EffectiveFineTuning == FineTuningMode.FineTune ? BackboneLearningRateMultiplier : 1,
        FreezeBatchNormStatistics = EffectiveFreezeBatchNormStatistics,
        Distributed = Distributed,
    };

    /// <summary>The training settings as text, for the model manifest.</summary>
    public IReadOnlyDictionary<string, string> Describe(Device device) => new SortedDictionary<string, string>
    {
        ["architecture"] = Architecture.ToString(), ["imageSize"] = ImageSize.ToString(), ["channels"] = Channels.ToString(),
        ["resizing"] = Resizing.ToString(),
        ["epochs"] = Epochs.ToString(), ["batchSize"] = BatchSize.ToString(),
        ["learningRate"] = LearningRate.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        ["schedule"] = Schedule.ToString(), ["weightDecay"] = WeightDecay.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        ["labelSmoothing"] = LabelSmoothing.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        ["augmentation"] = $"crop padding {Augmentation.RandomCropPadding}, flip {Augmentation.HorizontalFlip}, erasing {Augmentation.RandomErasing}",
        ["validationFraction"] = ValidationFraction.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        ["seed"] = Seed.ToString(), ["device"] = device.ToString(), ["precision"] = Precision.ToString(),
        ["pretrained"] = Pretrained ?? "none", ["fineTuning"] = EffectiveFineTuning?.ToString() ?? "none (from scratch)",
        ["backboneLearningRateMultiplier"] = BackboneLearningRateMultiplier.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        ["freezeBatchNormStatistics"] = EffectiveFreezeBatchNormStatistics.ToString(),
    };
}

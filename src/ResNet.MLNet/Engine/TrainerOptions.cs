using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Distributed;

namespace ResNet.MLNet.Engine;

/// <summary>Settings of a <see cref="Trainer"/> run. The defaults are the Fashion-MNIST/CIFAR ResNet recipe:
/// SGD with Nesterov momentum 0.9, learning rate 0.1 on a one-cycle schedule, weight decay 5e-4, batch 128.</summary>
public sealed record TrainerOptions
{
    /// <summary>Passes over the training data. Default 1.</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>Images per optimiser step. Default 128.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>The base (peak, for one-cycle) learning rate. Default 0.1.</summary>
    public double LearningRate { get; init; } = 0.1;

    /// <summary>The learning-rate schedule. Default <see cref="LearningRateSchedule.OneCycle"/>.</summary>
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.OneCycle;

    /// <summary>Linear warm-up length in epochs (fractions allowed) for the cosine, multi-step and constant schedules;
    /// one-cycle has its own ramp. Default 0.</summary>
    public double WarmupEpochs { get; init; }

    /// <summary>Epochs at which <see cref="LearningRateSchedule.MultiStep"/> multiplies the rate by
    /// <see cref="MultiStepGamma"/>. Default: half and three quarters of <see cref="Epochs"/>.</summary>
    public int[]? MultiStepMilestones { get; init; }

    /// <summary>The multi-step decay factor. Default 0.1.</summary>
    public double MultiStepGamma { get; init; } = 0.1;

    /// <summary>SGD momentum. Default 0.9.</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>Nesterov momentum. Default true.</summary>
    public bool Nesterov { get; init; } = true;

    /// <summary>L2 weight decay. Default 5e-4.</summary>
    public double WeightDecay { get; init; } = 5e-4;

    /// <summary>Exempt BN γ/β and biases (every 1-D parameter) from weight decay. Default false.</summary>
    public bool NoDecayOnNormAndBias { get; init; }

    /// <summary>Label smoothing of the cross-entropy loss (0 = none). Default 0.</summary>
    public double LabelSmoothing { get; init; }

    /// <summary>Batch augmentation. Default none.</summary>
    public AugmentationOptions Augmentation { get; init; } = AugmentationOptions.None;

    /// <summary>Seed of every random choice of the run (shuffling, augmentation, dropout). Default 1.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Where the model trains. Default the CPU.</summary>
    public Device Device { get; init; } = Device.Cpu;

    /// <summary>When set, a checkpoint (<c>checkpoint.safetensors</c> + <c>checkpoint.json</c>) is written there
    /// atomically after every epoch. Default null (none).</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>Continue from the checkpoint in <see cref="CheckpointDirectory"/> when there is one. Default false.</summary>
    public bool Resume { get; init; }

    /// <summary>Stop when the validation loss has not improved for this many epochs (needs validation data).
    /// Default null (never).</summary>
    public int? EarlyStoppingPatience { get; init; }

    /// <summary>Train with channels-last weights and inputs (the layout oneDNN prefers; as fast or faster on every
    /// measured size, docs/benchmarks.md). Default true.</summary>
    public bool ChannelsLast { get; init; } = true;

    /// <summary>The arithmetic of training: fp32, or bf16 mixed precision (autocast; several times faster where the CPU
    /// has AVX512_BF16, which CPU bf16 requires). Weights and the trained model stay fp32. Default
    /// <see cref="TrainingPrecision.Float32"/>.</summary>
    public TrainingPrecision Precision { get; init; } = TrainingPrecision.Float32;

    /// <summary>Multiplier of <see cref="LearningRate"/> for every parameter outside the classifier head (whose names
    /// start with <see cref="HeadParameterPrefix"/>), as a lower backbone rate when fine-tuning pretrained weights.
    /// 0 freezes the backbone: its parameters stop requiring gradients and are neither updated nor decayed.
    /// Default 1 (one rate for the whole network).</summary>
    public double BackboneLearningRateScale { get; init; } = 1;

    /// <summary>The name prefix of the classifier head's parameters (see <see cref="BackboneLearningRateScale"/>).
    /// Default <c>fc.</c> (every ResNet of the zoo, as torchvision).</summary>
    public string HeadParameterPrefix { get; init; } = "fc.";

    /// <summary>Keep every BatchNorm layer in evaluation mode while training: it normalises with its running
    /// statistics and does not update them (the usual choice when fine-tuning on few images). Default false.</summary>
    public bool FreezeBatchNormStatistics { get; init; }

    /// <summary>When set, this process is one rank of a data-parallel run (docs/distributed.md): <see cref="Trainer"/>
    /// joins the group, copies rank 0's parameters and buffers to every rank, gives each rank a disjoint
    /// <c>1/WorldSize</c> share of every <see cref="BatchSize"/> batch of the epoch's seeded order (the last partial
    /// batch is dropped), averages gradients over the ranks before each step, reduces the epoch metrics, copies
    /// rank 0's BN statistics at each epoch's end, and lets rank 0 alone write checkpoints. Default null
    /// (one process).</summary>
    public ProcessGroupOptions? Distributed { get; init; }

    /// <summary>Checks the settings; throws naming the offending one.</summary>
    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentException($"Epochs must be at least 1, got {Epochs}");
        if (BatchSize < 1) throw new ArgumentException($"BatchSize must be at least 1, got {BatchSize}");
        if (!(LearningRate > 0)) throw new ArgumentException($"LearningRate must be positive, got {LearningRate}");
        if (WarmupEpochs < 0 || WarmupEpochs > Epochs) throw new ArgumentException($"WarmupEpochs must be in [0, Epochs], got {WarmupEpochs}");
        if (Momentum < 0 || Momentum >= 1) throw new ArgumentException($"Momentum must be in [0, 1), got {Momentum}");
        if (WeightDecay < 0) throw new ArgumentException($"WeightDecay must be non-negative, got {WeightDecay}");
        if (LabelSmoothing < 0 || LabelSmoothing >= 1) throw new ArgumentException($"LabelSmoothing must be in [0, 1), got {LabelSmoothing}");
        Augmentation.Validate();
        if (EarlyStoppingPatience is < 1) throw new ArgumentException($"EarlyStoppingPatience must be at least 1, got {EarlyStoppingPatience}");
        if (!Enum.IsDefined(Precision)) throw new ArgumentException($"Precision must be Float32 or BFloat16, got {Precision}");
        if (!(BackboneLearningRateScale >= 0) || double.IsInfinity(BackboneLearningRateScale))
            throw new ArgumentException($"BackboneLearningRateScale must be a finite value >= 0, got {BackboneLearningRateScale}");
        if (BackboneLearningRateScale != 1 && string.IsNullOrEmpty(HeadParameterPrefix))
            throw new ArgumentException("HeadParameterPrefix must name the head's parameters when BackboneLearningRateScale is not 1");
        if (Resume && CheckpointDirectory == null) throw new ArgumentException("Resume needs a CheckpointDirectory");
        if (Distributed?.Validated() is { WorldSize: var n } && BatchSize % n != 0)
            throw new ArgumentException($"BatchSize ({BatchSize}) must be a multiple of the distributed world size ({n})");
    }
}

using ResNet.MLNet.Engine;
using ResNet.MLNet.Models;
using ResNet.MLNet.Torch;

namespace ResNet.MLNet.Demo;

/// <summary>What the demo's command line chose (see <see cref="DemoCommand"/> for the options and their defaults).</summary>
public sealed record DemoOptions
{
    /// <summary>The network from the zoo.</summary>
    public ResNetArchitecture Architecture { get; init; } = ResNetArchitecture.ResNet20;
    /// <summary>Passes over the training set.</summary>
    public int Epochs { get; init; } = 2;
    /// <summary>Images per SGD step.</summary>
    public int BatchSize { get; init; } = 128;
    /// <summary>Peak learning rate.</summary>
    public double LearningRate { get; init; } = 0.1;
    /// <summary>Learning-rate schedule.</summary>
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.OneCycle;
    /// <summary>Padded random crop and horizontal flip.</summary>
    public bool Augment { get; init; }
    /// <summary>Label smoothing of the loss.</summary>
    public double LabelSmoothing { get; init; }
    /// <summary>Train on the first N images only.</summary>
    public int? Subset { get; init; }
    /// <summary>Where the model is saved.</summary>
    public string Output { get; init; } = "artifacts/fashion-mnist";
    /// <summary>Directory of the IDX files (default: Debian's).</summary>
    public string? DataDirectory { get; init; }
    /// <summary>Seed of the run.</summary>
    public int Seed { get; init; } = 1;
    /// <summary>libtorch intra-op threads (default: all cores).</summary>
    public int? Threads { get; init; }
    /// <summary>Where training runs.</summary>
    public Device Device { get; init; } = Device.Cpu;
    /// <summary>Checkpoint directory (none by default).</summary>
    public string? CheckpointDirectory { get; init; }
    /// <summary>Continue from the checkpoint.</summary>
    public bool Resume { get; init; }

    /// <summary>The trainer settings these options describe.</summary>
    public TrainerOptions ToTrainerOptions() => new()
    {
        Epochs = Epochs, BatchSize = BatchSize, LearningRate = LearningRate, Schedule = Schedule,
        Augmentation = Augment ? AugmentationOptions.Standard : AugmentationOptions.None, LabelSmoothing = LabelSmoothing,
        Seed = Seed, Device = Device, CheckpointDirectory = CheckpointDirectory, Resume = Resume,
    };
}

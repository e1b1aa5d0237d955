using System.Globalization;
using ResNet.MLNet.Engine;
using ResNet.MLNet.Models;
using ResNet.MLNet.Torch;

namespace ResNet.MLNet.Demo;

/// <summary>The command line of the demo (see <see cref="Usage"/>).</summary>
public sealed record DemoOptions
{
    public ResNetArchitecture Architecture { get; init; } = ResNetArchitecture.ResNet20;
    public int Epochs { get; init; } = 2;
    public int BatchSize { get; init; } = 128;
    public double LearningRate { get; init; } = 0.1;
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.OneCycle;
    public bool Augment { get; init; }
    public double LabelSmoothing { get; init; }
    public int? Subset { get; init; }
    public string Output { get; init; } = "artifacts/fashion-mnist";
    public string? DataDirectory { get; init; }
    public int Seed { get; init; } = 1;
    public int? Threads { get; init; }
    public Device Device { get; init; } = Device.Cpu;
    public string? CheckpointDirectory { get; init; }
    public bool Resume { get; init; }
    public bool Help { get; init; }

    public const string Usage = """
        resnet-demo: train a residual network on Fashion-MNIST and evaluate it on the 10,000 test images.

          --arch NAME          architecture (resnet20, resnet32, resnet56, resnet18, ...)   [resnet20]
          --epochs N           passes over the training set                                 [2]
          --batch-size N       images per SGD step                                          [128]
          --lr X               peak learning rate                                           [0.1]
          --schedule S         onecycle | cosine | multistep | constant                     [onecycle]
          --augment            4-pixel padded random crop + horizontal flip                 [off]
          --label-smoothing X  label smoothing of the loss                                  [0]
          --subset N           train on the first N training images only                    [all 60,000]
          --output DIR         where the model (model.safetensors + model.json) is saved    [artifacts/fashion-mnist]
          --data DIR           directory of the IDX files                [/usr/share/datasets/fashion-mnist]
          --seed N             seed of initialisation, shuffling and augmentation           [1]
          --threads N          libtorch intra-op threads                                    [all cores]
          --device D           cpu | cuda | cuda:N | auto                                   [cpu]
          --checkpoint DIR     write a checkpoint there after every epoch                   [none]
          --resume             continue from the checkpoint in --checkpoint DIR
        Ctrl+C stops after the current batch; the model trained so far is evaluated and saved.
        """;

    public static DemoOptions Parse(string[] args)
    {
        var o = new DemoOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"option {args[i]} needs a value");
            int Int() { var v = Value(); return int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var x) && x > 0 ? x : throw new ArgumentException($"{args[i - 1]} expects a positive integer, got '{v}'"); }
            double Double() { var v = Value(); return double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && x >= 0 ? x : throw new ArgumentException($"{args[i - 1]} expects a non-negative number, got '{v}'"); }
            o = args[i] switch
            {
                "--arch" => o with { Architecture = ResNetZoo.Parse(Value()) },
                "--epochs" => o with { Epochs = Int() },
                "--batch-size" => o with { BatchSize = Int() },
                "--lr" => o with { LearningRate = Double() },
                "--schedule" => o with { Schedule = Enum.TryParse<LearningRateSchedule>(Value(), true, out var s) ? s : throw new ArgumentException($"unknown schedule '{args[i]}'") },
                "--augment" => o with { Augment = true },
                "--label-smoothing" => o with { LabelSmoothing = Double() },
                "--subset" => o with { Subset = Int() },
                "--output" => o with { Output = Value() },
                "--data" => o with { DataDirectory = Value() },
                "--seed" => o with { Seed = Int() },
                "--threads" => o with { Threads = Int() },
                "--device" => o with { Device = Device.Parse(Value()) },
                "--checkpoint" => o with { CheckpointDirectory = Value() },
                "--resume" => o with { Resume = true },
                "-h" or "--help" => o with { Help = true },
                _ => throw new ArgumentException($"unknown option '{args[i]}' (see --help)"),
            };
        }
        return o;
    }

    public TrainerOptions ToTrainerOptions() => new()
    {
        Epochs = Epochs, BatchSize = BatchSize, LearningRate = LearningRate, Schedule = Schedule,
        Augmentation = Augment ? AugmentationOptions.Standard : AugmentationOptions.None, LabelSmoothing = LabelSmoothing,
        Seed = Seed, Device = Device, CheckpointDirectory = CheckpointDirectory, Resume = Resume,
    };
}

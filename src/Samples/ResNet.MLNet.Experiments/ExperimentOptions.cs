using System.Globalization;
using ResNet.MLNet.Data.Idx;
using ResNet.MLNet.Engine;

namespace ResNet.MLNet.Experiments;

/// <summary>Command-line settings of the experiments (one budget shared by every network of an experiment).</summary>
public sealed record ExperimentOptions
{
    /// <summary>Experiments to run (<see cref="ExperimentPlan.Names"/>, or all).</summary>
    public IReadOnlyList<string> Experiments { get; init; } = ExperimentPlan.Names;
    /// <summary>Training images (the first N of Fashion-MNIST's training split).</summary>
    public int TrainImages { get; init; } = 10_000;
    /// <summary>Test images (the first N of the test split).</summary>
    public int TestImages { get; init; } = 10_000;
    /// <summary>How every network trains: the engine's Fashion-MNIST recipe (<see cref="TrainerOptions"/>' defaults)
    /// for 5 epochs; <c>--epochs</c>, <c>--batch</c>, <c>--lr</c>, <c>--seed</c> and <c>--precision</c> change it.</summary>
    public TrainerOptions Training { get; init; } = new() { Epochs = 5 };
    /// <summary>Networks to train (labels, case-insensitive); null: every network of the experiment.</summary>
    public IReadOnlyList<string>? Networks { get; init; }
    /// <summary>Where each network keeps its checkpoint (DIR/EXPERIMENT/NETWORK); the same command run again resumes
    /// every unfinished network and reads finished ones back. Null: no checkpoints.</summary>
    public string? CheckpointDirectory { get; init; }
    /// <summary>Where results (CSV, Markdown, SVG) are written.</summary>
    public string OutputDirectory { get; init; } = "docs/experiments/results";
    /// <summary>Fashion-MNIST directory (null: the Debian package's).</summary>
    public string? DataDirectory { get; init; }
    /// <summary>Show usage.</summary>
    public bool Help { get; init; }

    /// <summary>Usage text, with the defaults of <see cref="ExperimentOptions"/>.</summary>
    public static string Usage
    {
        get
        {
            var d = new ExperimentOptions();
            return $"""
                usage: resnet-experiments [{string.Join('|', ExperimentPlan.Names)}|all ...] [options]
                  --train N      training images (first N of the training split; default {d.TrainImages})
                  --test N       test images (first N of the test split; default {d.TestImages})
                  --epochs N     epochs per network (default {d.Training.Epochs})
                  --batch N      batch size (default {d.Training.BatchSize})
                  --lr X         one-cycle peak learning rate (default {d.Training.LearningRate})
                  --seed N       seed of weights and shuffling (default {d.Training.Seed})
                  --precision P  {TrainingPrecisionNames.Help} (default fp32)
                  --networks L   comma-separated network labels to train (default: all of the experiment)
                  --checkpoints DIR  keep per-network checkpoints here; run the same command again to resume
                  --out DIR      results directory (default {d.OutputDirectory})
                  --data DIR     Fashion-MNIST directory (default {FashionMnist.DefaultDirectory})
                also: resnet-experiments transfer --help, resnet-experiments quantization --help
                """;
        }
    }

    /// <summary>Parses the command line; throws <see cref="ArgumentException"/> naming the bad argument.</summary>
    public static ExperimentOptions Parse(string[] args)
    {
        var o = new ExperimentOptions();
        var experiments = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{arg} needs a value");
            int Int() => int.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v > 0 ? v
                : throw new ArgumentException($"{arg} needs a positive integer, got '{args[i]}'");
            o = arg switch
            {
                "--train" => o with { TrainImages = Int() },
                "--test" => o with { TestImages = Int() },
                "--epochs" => o with { Training = o.Training with { Epochs = Int() } },
                "--batch" => o with { Training = o.Training with { BatchSize = Int() } },
                "--seed" => o with { Training = o.Training with { Seed = Int() } },
                "--lr" => o with { Training = o.Training with { LearningRate = double.Parse(Value(), CultureInfo.InvariantCulture) } },
                "--out" => o with { OutputDirectory = Value() },
                "--precision" => o with { Training = o.Training with { Precision = TrainingPrecisionNames.Parse(Value()) } },
                "--networks" => o with { Networks = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) },
                "--checkpoints" => o with { CheckpointDirectory = Value() },
                "--data" => o with { DataDirectory = Value() },
                "-h" or "--help" => o with { Help = true },
                "all" => o,
                _ when ExperimentPlan.Names.Contains(arg) => Add(o, experiments, arg),
                _ => throw new ArgumentException($"unknown argument '{arg}'; experiments are {string.Join(", ", ExperimentPlan.Names)}"),
            };
        }
        return experiments.Count > 0 ? o with { Experiments = experiments } : o;
    }

    private static ExperimentOptions Add(ExperimentOptions o, List<string> experiments, string name)
    {
        experiments.Add(name);
        return o;
    }
}

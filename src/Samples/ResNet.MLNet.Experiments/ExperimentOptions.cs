using System.Globalization;
using ResNet.MLNet.Engine;

namespace ResNet.MLNet.Experiments;

/// <summary>Command-line settings of the experiments (one budget shared by every network of an experiment).</summary>
public sealed record ExperimentOptions
{
    /// <summary>Experiments to run: degradation, preactivation, preactivation-110, classic (or all).</summary>
    public IReadOnlyList<string> Experiments { get; init; } = ExperimentPlan.Names;
    /// <summary>Training images (the first N of Fashion-MNIST's training split).</summary>
    public int TrainImages { get; init; } = 10_000;
    /// <summary>Test images (the first N of the test split).</summary>
    public int TestImages { get; init; } = 10_000;
    /// <summary>Epochs per network.</summary>
    public int Epochs { get; init; } = 5;
    /// <summary>Mini-batch size.</summary>
    public int BatchSize { get; init; } = 128;
    /// <summary>Peak learning rate of the one-cycle schedule.</summary>
    public double LearningRate { get; init; } = 0.1;
    /// <summary>Seed of weights and shuffling.</summary>
    public int Seed { get; init; } = 1;
    /// <summary>Training arithmetic of every network (fp32 or bf16 mixed precision).</summary>
    public TrainingPrecision Precision { get; init; } = TrainingPrecision.Float32;
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

    /// <summary>Usage text.</summary>
    public const string Usage = """
        usage: resnet-experiments [degradation|preactivation|preactivation-110|classic|all ...] [options]
          --train N      training images (first N of the training split; default 10000)
          --test N       test images (first N of the test split; default 10000)
          --epochs N     epochs per network (default 5)
          --batch N      batch size (default 128)
          --lr X         one-cycle peak learning rate (default 0.1)
          --seed N       seed of weights and shuffling (default 1)
          --precision P  fp32 (default) or bf16 mixed precision
          --networks L   comma-separated network labels to train (default: all of the experiment)
          --checkpoints DIR  keep per-network checkpoints here; run the same command again to resume
          --out DIR      results directory (default docs/experiments/results)
          --data DIR     Fashion-MNIST directory (default /usr/share/datasets/fashion-mnist)
        """;

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
                "--epochs" => o with { Epochs = Int() },
                "--batch" => o with { BatchSize = Int() },
                "--seed" => o with { Seed = Int() },
                "--lr" => o with { LearningRate = double.Parse(Value(), CultureInfo.InvariantCulture) },
                "--out" => o with { OutputDirectory = Value() },
                "--precision" => o with { Precision = TrainingPrecisionNames.Parse(Value()) },
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

using System.CommandLine;
using ResNet.MLNet.Engine;
using ResNet.MLNet.Models;
using ResNet.MLNet.Torch;

namespace ResNet.MLNet.Demo;

/// <summary>The demo's command line (System.CommandLine): every option, its default and its check.</summary>
public static class DemoCommand
{
    /// <summary>The root command; <paramref name="run"/> receives the parsed options and returns the exit code.</summary>
    public static RootCommand Create(Func<DemoOptions, int> run)
    {
        var d = DemoOptions.DefaultClassifier;
        var arch = new Option<string>("--arch") { Description = $"architecture: {string.Join(", ", ResNetZoo.Architectures.Select(a => a.ToString().ToLowerInvariant()))}", DefaultValueFactory = _ => d.Architecture.ToString().ToLowerInvariant() };
        var epochs = Positive("--epochs", "passes over the training set", d.Epochs);
        var batch = Positive("--batch-size", "images per SGD step", d.BatchSize);
        var lr = new Option<double>("--lr") { Description = "peak learning rate", DefaultValueFactory = _ => d.LearningRate };
        var schedule = new Option<LearningRateSchedule>("--schedule") { Description = "learning-rate schedule", DefaultValueFactory = _ => d.Schedule };
        var augment = new Option<bool>("--augment") { Description = "4-pixel padded random crop + horizontal flip" };
        var erasing = new Option<double>("--random-erasing") { Description = "probability of erasing a random rectangle of each training image", DefaultValueFactory = _ => d.Augmentation.RandomErasing };
        var smoothing = new Option<double>("--label-smoothing") { Description = "label smoothing of the loss", DefaultValueFactory = _ => d.LabelSmoothing };
        var subset = new Option<int?>("--subset") { Description = "train on the first N training images only (default: all 60,000)" };
        var output = new Option<string>("--output") { Description = "folder where the ML.NET model zip (model.zip) is saved", DefaultValueFactory = _ => new DemoOptions().Output };
        var data = new Option<string?>("--data") { Description = "directory of the IDX files (default: /usr/share/datasets/fashion-mnist)" };
        var seed = new Option<int>("--seed") { Description = "seed of initialisation, shuffling and augmentation", DefaultValueFactory = _ => d.Seed };
        var threads = new Option<int?>("--threads") { Description = "libtorch intra-op threads (default: all cores)" };
        var device = new Option<string>("--device") { Description = "cpu | cuda | cuda:N | auto", DefaultValueFactory = _ => d.Device.ToString() };
        var precision = new Option<string>("--precision") { Description = $"training arithmetic: {TrainingPrecisionNames.Help} (bf16 mixed precision needs AVX512_BF16)", DefaultValueFactory = _ => d.Precision.ToString().ToLowerInvariant() };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "write a checkpoint in this directory after every epoch" };
        var resume = new Option<bool>("--resume") { Description = "continue from the checkpoint in --checkpoint" };
        arch.Validators.Add(r => Check(r, () => ResNetZoo.Parse(r.GetValueOrDefault<string>()!)));
        device.Validators.Add(r => Check(r, () => Device.Parse(r.GetValueOrDefault<string>()!)));
        precision.Validators.Add(r => Check(r, () => TrainingPrecisionNames.Parse(r.GetValueOrDefault<string>()!)));
        lr.Validators.Add(r => { if (!(r.GetValueOrDefault<double>() > 0)) r.AddError("--lr must be positive"); });
        subset.Validators.Add(r => { if (r.GetValueOrDefault<int?>() is < 1) r.AddError("--subset must be at least 1"); });
        threads.Validators.Add(r => { if (r.GetValueOrDefault<int?>() is < 1) r.AddError("--threads must be at least 1"); });

        var root = new RootCommand("resnet-demo: train a residual network on Fashion-MNIST and evaluate it on the 10,000 test images. " +
                                   "Ctrl+C stops after the current batch; the model trained so far is evaluated and saved.")
        {
            arch, epochs, batch, lr, schedule, augment, erasing, smoothing, subset, output, data, seed, threads, device, precision, checkpoint, resume,
        };
        root.SetAction(p => run(new DemoOptions
        {
            Classifier = d with
            {
                Architecture = ResNetZoo.Parse(p.GetValue(arch)!), Epochs = p.GetValue(epochs), BatchSize = p.GetValue(batch),
                LearningRate = p.GetValue(lr), Schedule = p.GetValue(schedule),
                Augmentation = (p.GetValue(augment) ? AugmentationOptions.Standard : AugmentationOptions.None) with { RandomErasing = p.GetValue(erasing) },
                LabelSmoothing = p.GetValue(smoothing), Seed = p.GetValue(seed), Device = Device.Parse(p.GetValue(device)!),
                CheckpointDirectory = p.GetValue(checkpoint), Resume = p.GetValue(resume),
                Precision = TrainingPrecisionNames.Parse(p.GetValue(precision)!),
            },
            Subset = p.GetValue(subset), Output = p.GetValue(output)!, DataDirectory = p.GetValue(data), Threads = p.GetValue(threads),
        }));
        return root;
    }

    private static void Check(System.CommandLine.Parsing.OptionResult result, Action parse)
    {
        try { parse(); }
        catch (ArgumentException e) { result.AddError(e.Message); }
    }

    private static Option<int> Positive(string name, string description, int defaultValue)
    {
        var option = new Option<int>(name) { Description = description, DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError($"{name} must be at least 1"); });
        return option;
    }
}

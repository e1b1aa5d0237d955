using System.Diagnostics;
using ResNet.MLNet.Data.Idx;
using ResNet.MLNet.Engine;
using ResNet.MLNet.Experiments;
using ResNet.MLNet.Torch;

if (args.Length > 0 && args[0] == "transfer") return TransferExperiment.Run(args[1..]);

ExperimentOptions options;
try
{
    options = ExperimentOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(ExperimentOptions.Usage);
    return 2;
}
if (options.Help)
{
    Console.WriteLine(ExperimentOptions.Usage);
    return 0;
}

var (train, test, _, _) = FashionMnist.LoadNormalized(options.DataDirectory, options.TrainImages, options.TestImages);
using var trainData = train;
using var testData = test;
var trainerOptions = new TrainerOptions
{
    Epochs = options.Epochs, BatchSize = options.BatchSize, LearningRate = options.LearningRate,
    Schedule = LearningRateSchedule.OneCycle, Momentum = 0.9, Nesterov = true, WeightDecay = 5e-4, Seed = options.Seed,
    Precision = options.Precision,
};
string budget = $"Budget: Fashion-MNIST, first {train.Count:N0} training and {test.Count:N0} test images (normalised, no augmentation), " +
    $"{options.Epochs} epochs, batch {options.BatchSize}, SGD momentum 0.9 Nesterov, weight decay 5e-4, one-cycle lr peak {options.LearningRate}, " +
    $"seed {options.Seed}, {(options.Precision == TrainingPrecision.BFloat16 ? "bf16 mixed precision" : "fp32")}; libtorch {TorchRuntime.TorchVersion} on CPU, {TorchRuntime.NumThreads} thread(s) ({Environment.ProcessorCount} cores, shared).";
Console.WriteLine(budget);

foreach (var name in options.Experiments)
{
    var experiment = ExperimentPlan.All.Single(e => e.Name == name);
    Console.WriteLine($"== {experiment.Title}");
    var clock = Stopwatch.StartNew();
    var candidates = experiment.Candidates
        .Where(c => options.Networks == null || options.Networks.Contains(c.Label, StringComparer.OrdinalIgnoreCase)).ToList();
    if (candidates.Count == 0)
    {
        Console.Error.WriteLine($"--networks matches no network of {experiment.Name}: {string.Join(", ", experiment.Candidates.Select(c => c.Label))}");
        return 2;
    }
    var runs = candidates.Select(c => CandidateRun.Train(c, train, test, trainerOptions, options.Seed,
        options.CheckpointDirectory is { } dir ? Path.Combine(dir, experiment.Name, CandidateRun.FolderName(c.Label)) : null)).ToList();
    ResultsWriter.Write(options.OutputDirectory, experiment, runs, budget);
    Console.WriteLine($"== {experiment.Name} done in {clock.Elapsed.TotalMinutes:F1} min; results in {options.OutputDirectory}/{experiment.Name}.*");
}
return 0;

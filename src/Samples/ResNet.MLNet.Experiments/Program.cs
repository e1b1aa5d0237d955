using System.Diagnostics;
using ResNet.MLNet.Data.Idx;
using ResNet.MLNet.Engine;
using ResNet.MLNet.Experiments;
using ResNet.MLNet.Torch;

if (args.Length > 0 && args[0] == "transfer") return TransferExperiment.Run(args[1..]);
if (args.Length > 0 && args[0] == "quantization") return QuantizationExperiment.Run(args[1..]);

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

var (trainImages, testImages, _, _) = FashionMnist.LoadNormalized(options.DataDirectory, options.TrainImages, options.TestImages);
using var train = InMemoryTrainingData.From(trainImages);
using var test = InMemoryTrainingData.From(testImages);
var trainerOptions = options.Training;
string budget = $"Budget: Fashion-MNIST, first {train.Count:N0} training and {test.Count:N0} test images (normalised, no augmentation), " +
    $"{trainerOptions.Epochs} epochs, batch {trainerOptions.BatchSize}, SGD momentum {trainerOptions.Momentum}{(trainerOptions.Nesterov ? " Nesterov" : "")}, " +
    $"weight decay {trainerOptions.WeightDecay}, {trainerOptions.Schedule} lr peak {trainerOptions.LearningRate}, " +
    $"seed {trainerOptions.Seed}, {(trainerOptions.Precision == TrainingPrecision.BFloat16 ? "bf16 mixed precision" : "fp32")}; " +
    $"libtorch {TorchRuntime.TorchVersion} on CPU, {TorchRuntime.NumThreads} thread(s) ({Environment.ProcessorCount} cores, shared).";
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
    var runs = candidates.Select(c => CandidateRun.Train(c, train, test, trainerOptions,
        options.CheckpointDirectory is { } dir ? Path.Combine(dir, experiment.Name, CandidateRun.FolderName(c.Label)) : null)).ToList();
    ResultsWriter.Write(options.OutputDirectory, experiment, runs, budget);
    Console.WriteLine($"== {experiment.Name} done in {clock.Elapsed.TotalMinutes:F1} min; results in {options.OutputDirectory}/{experiment.Name}.*");
}
return 0;

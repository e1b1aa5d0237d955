using System.CommandLine;
using ResNet.MLNet.Cli;

// resnet-mlnet: train, evaluate and use residual-network image classifiers from the command line.
var root = new RootCommand("Train, evaluate and use ResNet image classifiers (ResNet.MLNet).")
{
    TrainCommand.Create(),
    EvaluateCommand.Create(),
    PredictCommand.Create(),
    ExportCommand.Create(),
    BenchDecodeCommand.Create(),
    BenchScoreCommand.Create(),
    SoakCommand.Create(),
};
var verbose = new Option<bool>("--verbose") { Description = "Print the stack trace of a failure", Recursive = true };
root.Options.Add(verbose);
var parsed = root.Parse(args);
DataLoading.Verbose = parsed.GetValue(verbose);
return parsed.Invoke();

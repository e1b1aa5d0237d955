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
};
return root.Parse(args).Invoke();

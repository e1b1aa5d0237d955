using System.CommandLine;
using Microsoft.ML;
using Microsoft.ML.Transforms.Image;
using ResNet.MLNet.Models;
using ResNet.MLNet.Torch;

namespace ResNet.MLNet.Cli;

/// <summary><c>train DATA --model classifier.zip</c>: fits MapValueToKey → ResNetClassifier → MapKeyToValue and saves it.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var d = new ResNetClassifierOptions();
        var group = new Torch.Distributed.ProcessGroupOptions();
        var data = new Argument<string>("data") { Description = "Image folder (one sub-folder per class) or CSV/TSV file with ImagePath,Label columns" };
        var model = new Option<string>("--model", "-m") { Description = "Where to write the model zip", DefaultValueFactory = _ => "classifier.zip" };
        var architecture = new Option<string>("--architecture", "-a") { Description = "resnet18/34/50/101/152 or resnet20/32/44/56/110", DefaultValueFactory = _ => d.Architecture.ToString().ToLowerInvariant() };
        var imageSize = new Option<int>("--image-size") { Description = "Model input side in pixels", DefaultValueFactory = _ => d.ImageSize };
        var channels = new Option<int>("--channels") { Description = "3 (RGB) or 1 (gray)", DefaultValueFactory = _ => d.Channels };
        var resizing = new Option<ImageResizingEstimator.ResizingKind>("--resizing") { Description = "IsoCrop, IsoPad or Fill", DefaultValueFactory = _ => d.Resizing };
        var epochs = new Option<int>("--epochs", "-e") { Description = "Passes over the data", DefaultValueFactory = _ => d.Epochs };
        var batchSize = new Option<int>("--batch-size", "-b") { Description = "Images per step", DefaultValueFactory = _ => d.BatchSize };
        var learningRate = new Option<double>("--learning-rate") { Description = "Peak learning rate (one-cycle)", DefaultValueFactory = _ => d.LearningRate };
        var validation = new Option<float>("--validation-fraction") { Description = "Share of images held out for validation", DefaultValueFactory = _ => d.ValidationFraction };
        var augment = new Option<bool>("--augment") { Description = "Random crops (4 px padding) and horizontal flips" };
        var erasing = new Option<double>("--random-erasing") { Description = "Probability of erasing a random rectangle of each training image (0.5 in Zhong et al. 2017)", DefaultValueFactory = _ => d.Augmentation.RandomErasing };
        var smoothing = new Option<double>("--label-smoothing") { Description = "Label smoothing of the loss (e.g. 0.1)", DefaultValueFactory = _ => d.LabelSmoothing };
        var device = new Option<string>("--device") { Description = "cpu, cuda, cuda:N or auto (CUDA falls back to the CPU without a GPU)", DefaultValueFactory = _ => d.Device.ToString() };
        var seed = new Option<int>("--seed") { Description = "Random seed", DefaultValueFactory = _ => d.Seed };
        var precision = new Option<string>("--precision") { Description = $"Training arithmetic: {Engine.TrainingPrecisionNames.Help} (bf16 mixed precision needs AVX512_BF16)", DefaultValueFactory = _ => d.Precision.ToString().ToLowerInvariant() };
        var onnx = new Option<string?>("--onnx") { Description = "Also write the network as an ONNX file here" };
        var int8 = new Option<bool>("--int8") { Description = "Score with an int8-quantized model (about 2x faster on CPUs with VNNI; calibrated on training images; docs/onnx.md)" };
        var skip = new Option<bool>("--skip-undecodable") { Description = "Leave out images that cannot be decoded (and list them)" };
        var checkpoints = new Option<string?>("--checkpoint-dir") { Description = "Write a checkpoint after every epoch here" };
        var resume = new Option<bool>("--resume") { Description = "Continue from the checkpoint in --checkpoint-dir" };
        var pretrained = new Option<string?>("--pretrained") { Description = "Start from pretrained weights: a safetensors or PyTorch .pth file, or an http(s) URL (with --pretrained-sha256); the head is replaced for your classes" };
        var pretrainedSha = new Option<string?>("--pretrained-sha256") { Description = "SHA-256 of the --pretrained file (required for a URL)" };
        var fineTuning = new Option<FineTuningMode?>("--fine-tuning") { Description = "With --pretrained: FrozenBackbone (default; features computed once, only the head trains) or FineTune (whole network)" };
        var backboneLr = new Option<double>("--backbone-lr-multiplier") { Description = "FineTune: backbone learning rate as a multiple of --learning-rate", DefaultValueFactory = _ => d.BackboneLearningRateMultiplier };
        var freezeBn = new Option<bool?>("--freeze-bn") { Description = "Keep BN statistics as pretrained (default: frozen with FrozenBackbone, updated with FineTune)" };
        var nproc = new Option<int>("--nproc") { Description = "Data-parallel worker processes on this machine (cores split between them; docs/distributed.md)", DefaultValueFactory = _ => 1 };
        var nnodes = new Option<int>("--nnodes") { Description = "Machines taking part (run the same command on each with its --node-rank)", DefaultValueFactory = _ => 1 };
        var nodeRank = new Option<int>("--node-rank") { Description = "This machine's index among --nnodes (0 hosts the rendezvous)" };
        var masterAddr = new Option<string>("--master-addr") { Description = "Address of node 0, reachable from every machine", DefaultValueFactory = _ => group.MasterAddress };
        var masterPort = new Option<int>("--master-port") { Description = "Rendezvous TCP port on node 0", DefaultValueFactory = _ => group.MasterPort };
        var distTimeout = new Option<double>("--dist-timeout") { Description = "Seconds a rank waits for the others before failing", DefaultValueFactory = _ => group.Timeout.TotalSeconds };
        var syncBn = new Option<bool>("--sync-bn") { Description = "With --nproc/--nnodes: BN statistics over the whole group's batch (synchronised BN) instead of each rank's", DefaultValueFactory = _ => group.SyncBatchNorm };
        var command = new Command("train", "Train a classifier on labelled images and save it as a model zip")
        {
            data, model, architecture, imageSize, channels, resizing, epochs, batchSize, learningRate, validation, augment, erasing, smoothing, device, precision, seed, skip, checkpoints, resume, onnx, int8,
            pretrained, pretrainedSha, fineTuning, backboneLr, freezeBn, nproc, nnodes, nodeRank, masterAddr, masterPort, distTimeout, syncBn,
        };
        command.SetAction(r => DataLoading.Run(() =>
        {
            if (!DistributedLauncher.IsWorker && (r.GetValue(nproc) > 1 || r.GetValue(nnodes) > 1))
                return DistributedLauncher.Launch(Environment.GetCommandLineArgs()[1..], new DistributedLauncher.Plan(
                    r.GetValue(nproc), r.GetValue(nnodes), r.GetValue(nodeRank), r.GetValue(masterAddr)!, r.GetValue(masterPort)));
            var distributed = DistributedLauncher.WorkerOptions(r.GetValue(distTimeout), r.GetValue(syncBn));
            var ml = new MLContext(r.GetValue(seed));
            var view = DataLoading.Load(ml, r.GetValue(data)!);
            var options = d with
            {
                Seed = r.GetValue(seed),
                Architecture = ResNetZoo.Parse(r.GetValue(architecture)!), ImageSize = r.GetValue(imageSize), Channels = r.GetValue(channels),
                Resizing = r.GetValue(resizing), Epochs = r.GetValue(epochs), BatchSize = r.GetValue(batchSize),
                LearningRate = r.GetValue(learningRate), ValidationFraction = r.GetValue(validation),
                Augmentation = (r.GetValue(augment) ? Engine.AugmentationOptions.Standard : Engine.AugmentationOptions.None) with { RandomErasing = r.GetValue(erasing) },
                LabelSmoothing = r.GetValue(smoothing),
                Device = Device.Parse(r.GetValue(device)!), SkipUndecodableImages = r.GetValue(skip),
                CheckpointDirectory = r.GetValue(checkpoints), Resume = r.GetValue(resume), Distributed = distributed,
                Precision = Engine.TrainingPrecisionNames.Parse(r.GetValue(precision)!), QuantizeScoringModel = r.GetValue(int8),
                Pretrained = r.GetValue(pretrained), PretrainedSha256 = r.GetValue(pretrainedSha), FineTuning = r.GetValue(fineTuning),
                BackboneLearningRateMultiplier = r.GetValue(backboneLr), FreezeBatchNormStatistics = r.GetValue(freezeBn),
                MetricsCallback = m => Console.WriteLine(
                    $"\repoch {m.Epoch}/{m.Epochs}  loss {m.TrainLoss:0.0000}  accuracy {m.TrainAccuracy:P1}" +
                    (m.ValidationAccuracy is { } va ? $"  validation loss {m.ValidationLoss:0.0000} accuracy {va:P1}" : "") +
                    $"  {m.ImagesPerSecond:0} img/s  remaining {m.EstimatedRemaining:hh\\:mm\\:ss}"),
                BatchCallback = b => Console.Write($"\repoch {b.Epoch}: batch {b.Batch}/{b.Batches}" + (b.RunningLoss is { } l ? $"  loss {l:0.0000}" : "") + "   "),
            };
            var pipeline = ml.Transforms.Conversion.MapValueToKey(d.LabelColumnName)
                .Append(ml.Transforms.ResNetClassifier(options))
                .Append(ml.Transforms.Conversion.MapKeyToValue(d.PredictedLabelColumnName));
            var trained = pipeline.Fit(view);
            var classifier = trained.OfType<ResNetClassifierTransformer>().Single();
            if (classifier.PretrainedLoad is { } load) Console.WriteLine($"pretrained {load}");
            foreach (var s in classifier.SkippedImages) Console.WriteLine($"skipped {s.Source}: {s.Reason}");
            if (classifier.SkippedImages.Count > 0) Console.WriteLine($"{classifier.SkippedImages.Count} undecodable image(s) skipped");
            if (distributed is { Rank: > 0 }) return 0; // rank 0 alone writes the model
            ml.Model.Save(trained, view.Schema, r.GetValue(model)!);
            if (r.GetValue(onnx) is { } onnxPath) classifier.ExportOnnx(onnxPath);
            Console.WriteLine($"saved {r.GetValue(model)} ({classifier.ClassNames.Count} classes: {string.Join(", ", classifier.ClassNames)})");
            return 0;
        }));
        return command;
    }
}

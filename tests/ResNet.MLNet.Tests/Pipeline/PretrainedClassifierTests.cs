using Microsoft.ML;
using Microsoft.ML.Transforms.Image;
using ResNet.MLNet.Models;
using ResNet.MLNet.Models.Pretrained;
using ResNet.MLNet.Tests.Pipeline;
using ResNet.MLNet.Tests.Support;
using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Serialization;
using ResNet.MLNet.Tests.Samples.Cli;

namespace ResNet.MLNet.Tests.Pipeline;

/// <summary>The classifier estimator with <c>Pretrained</c> weights: torchvision's resnet18 saved by torch.save with
/// a frozen backbone, and this library's own trained weights fine-tuned with their recorded normalisation.</summary>
[Collection("Pipeline")]
public class PretrainedClassifierTests(PipelineFixture fixture, TransferReferenceFixture reference) : IClassFixture<TransferReferenceFixture>
{
    private static Dictionary<string, float[]> Floats(IEnumerable<KeyValuePair<string, Tensor>> state) => state
        .Where(kv => kv.Value.DType == DType.Float32).ToDictionary(kv => kv.Key, kv => kv.Value.ToArray<float>());

    private static Dictionary<string, float[]> Trained(ResNetClassifierTransformer classifier)
    {
        using var model = classifier.LoadLibTorchModel();
        return Floats(model.StateDict());
    }

    [Fact]
    public void TorchvisionPthWithFrozenBackboneFitsPredictsAndKeepsTheBackboneBitForBit()
    {
        var ml = new MLContext(1);
        var options = new ResNetClassifierOptions
        {
            Architecture = ResNetArchitecture.ResNet18, Pretrained = reference.Resnet18Pth, ImageSize = TransferReferenceFixture.Size,
            Resizing = ImageResizingEstimator.ResizingKind.Fill, Epochs = 3, BatchSize = 16, LearningRate = 0.05,
        };
        var model = PipelineFixture.Pipeline(ml, options).Fit(ml.Data.LoadImagesFromDirectory(fixture.TrainFolder));
        var classifier = model.OfType<ResNetClassifierTransformer>().Single();

        var report = classifier.PretrainedLoad!;
        Assert.True(report.IsComplete, report.ToString());
        Assert.Equal(new[] { "fc.weight", "fc.bias" }, report.SkippedHead.Select(k => k.Name));
        Assert.Equal("FrozenBackbone", classifier.TrainingOptions["fineTuning"]);

        var pretrained = PretrainedWeights.ReadTensors(reference.Resnet18Pth);
        var before = Floats(pretrained);
        foreach (var t in pretrained.Values) t.Dispose();
        var after = Trained(classifier);
        foreach (var (name, value) in after.Where(kv => !kv.Key.StartsWith("fc.")))
            Assert.True(value.AsSpan().SequenceEqual(before[name]), $"{name} changed although the backbone is frozen");
        // The head is new (4 classes), initialised as the estimator does, then trained: it must have moved.
        TorchRuntime.ManualSeed(1);
        using (var fresh = ResNetZoo.Create(ResNetArchitecture.ResNet18, 4, 3))
            Assert.False(fresh.Fc.Weight.ToArray<float>().AsSpan().SequenceEqual(after["fc.weight"]), "the head did not train");

        var predictions = PipelineFixture.Predictions(ml, model.Transform(fixture.Test));
        Assert.Equal(4 * PipelineFixture.TestPerClass, predictions.Count);
        Assert.All(predictions, p => Assert.Equal(1, p.Score.Sum(), 4));
        var classes = Directory.GetDirectories(fixture.TestFolder).Select(Path.GetFileName).ToArray();
        Assert.All(predictions, p => Assert.Contains(p.PredictedLabel, classes));
    }

    [Fact]
    public void OwnWeightsFineTuneWithTheirRecordedNormalisationAndBnStatisticsFrozenOrUpdated()
    {
        using var dir = new TempDir();
        var path = dir.File("pretrained.safetensors");
        var recordedMean = new[] { 0.3f };
        var recordedStd = new[] { 0.2f };
        using (var source = fixture.Classifier.LoadLibTorchModel())
            SafeTensors.Save(path, source.StateDict(), PretrainedSource.NormalisationMetadata(recordedMean, recordedStd));
        var before = Trained(fixture.Classifier);

        ResNetClassifierTransformer FineTune(bool? freezeBn)
        {
            var ml = new MLContext(1);
            var options = PipelineFixture.Options(epochs: 1) with
            {
                Pretrained = path, FineTuning = FineTuningMode.FineTune, BackboneLearningRateMultiplier = 0.5, FreezeBatchNormStatistics = freezeBn,
            };
            return PipelineFixture.Pipeline(ml, options).Fit(ml.Data.LoadImagesFromDirectory(fixture.TrainFolder)).OfType<ResNetClassifierTransformer>().Single();
        }

        var updated = FineTune(freezeBn: null);
        Assert.Equal(recordedMean, updated.Mean);
        Assert.Equal(recordedStd, updated.Std);
        var afterUpdated = Trained(updated);
        Assert.NotEqual(before["conv1.weight"], afterUpdated["conv1.weight"]);
        Assert.NotEqual(before["layer3.2.bn2.running_mean"], afterUpdated["layer3.2.bn2.running_mean"]);

        var frozenBn = Trained(FineTune(freezeBn: true));
        Assert.NotEqual(before["conv1.weight"], frozenBn["conv1.weight"]);
        foreach (var name in before.Keys.Where(k => k.Contains("running_")))
            Assert.True(frozenBn[name].AsSpan().SequenceEqual(before[name]), $"{name} changed although BN statistics are frozen");
    }

    [Fact]
    public void BadTransferSettingsAreRefusedNamingTheCulprit()
    {
        var ml = new MLContext(1);
        var noWeights = Assert.Throws<ArgumentException>(() => ml.Transforms.ResNetClassifier(new ResNetClassifierOptions { FineTuning = FineTuningMode.FineTune }));
        Assert.Contains("Pretrained", noWeights.Message);
        var augmented = Assert.Throws<ArgumentException>(() => ml.Transforms.ResNetClassifier(new ResNetClassifierOptions
        {
            Pretrained = reference.Resnet18Pth, Augmentation = ResNet.MLNet.Engine.AugmentationOptions.Standard,
        }));
        Assert.Contains("FineTune", augmented.Message);
        var url = Assert.Throws<ArgumentException>(() => PipelineFixture.Pipeline(ml, new ResNetClassifierOptions
        {
            Pretrained = "http://127.0.0.1:9/resnet18.pth", ImageSize = 32,
        }).Fit(ml.Data.LoadImagesFromDirectory(fixture.TrainFolder)));
        Assert.Contains("SHA-256", url.Message);

        var wrongArchitecture = Assert.Throws<InvalidDataException>(() => PipelineFixture.Pipeline(ml, new ResNetClassifierOptions
        {
            Architecture = ResNetArchitecture.ResNet34, Pretrained = reference.Resnet18Pth, ImageSize = 32,
        }).Fit(ml.Data.LoadImagesFromDirectory(fixture.TrainFolder)));
        Assert.Contains("ResNet34", wrongArchitecture.Message);
        Assert.Contains("layer1.2.conv1.weight", wrongArchitecture.Message);
    }

    [Fact]
    public void CliTrainsFromPretrainedWeightsAndPrintsTheLoadReport()
    {
        using var dir = new TempDir();
        var weights = dir.File("own.safetensors");
        File.WriteAllBytes(weights, fixture.Classifier.Weights.ToArray());
        var train = CliTests.Cli("train", fixture.TestFolder, "--model", dir.File("m.zip"), "--architecture", "resnet20", "--image-size", "16",
            "--channels", "1", "--resizing", "Fill", "--epochs", "2", "--batch-size", "16", "--pretrained", weights, "--fine-tuning", "FrozenBackbone");
        Assert.True(train.ExitCode == 0, train.Error);
        Assert.Contains($"pretrained {weights}: loaded", train.Output);
        Assert.Contains("head tensors kept fresh", train.Output);
        Assert.True(File.Exists(dir.File("m.zip")));

        var wrong = CliTests.Cli("train", fixture.TestFolder, "--model", dir.File("x.zip"), "--architecture", "resnet32", "--image-size", "16",
            "--channels", "1", "--pretrained", weights);
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("do not fit ResNet32", wrong.Error);
    }
}

using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using ResNet.MLNet.Models;
using ResNet.MLNet.Tests.Pipeline;
using ResNet.MLNet.Tests.Support;
using ResNet.MLNet.Torch.Serialization;
using ResNet.MLNet.Tests.Samples.Cli;

namespace ResNet.MLNet.Tests.Pipeline;

/// <summary><c>ml.Transforms.ResNetFeaturizer</c>: its embedding equals torchvision's penultimate activations, and
/// featurizer → SdcaMaximumEntropy fits, evaluates, saves, and scores identically in another process.</summary>
[Collection("Pipeline")]
public class FeaturizerTests(PipelineFixture fixture, TransferReferenceFixture reference) : IClassFixture<TransferReferenceFixture>
{
    private sealed class PixelRow
    {
        public float[] Pixels { get; set; } = Array.Empty<float>();
    }

    private sealed class FeatureRow
    {
        public float[] Embedding { get; set; } = Array.Empty<float>();
    }

    [Fact]
    public void EmbeddingEqualsTorchvisionResnet18PenultimateActivations()
    {
        var tensors = SafeTensors.Load(reference.Pixels);
        float[] x = tensors["x"].ToArray<float>(), expected = tensors["features"].ToArray<float>();
        foreach (var t in tensors.Values) t.Dispose();
        int per = 3 * TransferReferenceFixture.Size * TransferReferenceFixture.Size;
        var rows = Enumerable.Range(0, TransferReferenceFixture.Count).Select(i => new PixelRow { Pixels = x[(i * per)..((i + 1) * per)] }).ToList();
        var definition = SchemaDefinition.Create(typeof(PixelRow));
        definition[nameof(PixelRow.Pixels)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, per);
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(rows, definition);

        var estimator = ml.Transforms.ResNetFeaturizer(new ResNetFeaturizerOptions
        {
            ImageColumnName = "Pixels", OutputColumnName = "Embedding", Pretrained = reference.Resnet18Pth,
            Architecture = ResNetArchitecture.ResNet18, ImageSize = TransferReferenceFixture.Size, Channels = 3,
        });
        var featurizer = estimator.Fit(data);
        Assert.Equal(512, featurizer.FeatureCount);
        var type = Assert.IsType<VectorDataViewType>(featurizer.GetOutputSchema(data.Schema)["Embedding"].Type);
        Assert.Equal((NumberDataViewType.Single, 512), (type.ItemType, type.Size));
        Assert.True(featurizer.PretrainedLoad!.IsComplete, featurizer.PretrainedLoad.ToString());
        Assert.Equal(new[] { "fc.weight", "fc.bias" }, featurizer.PretrainedLoad.SkippedHead.Select(k => k.Name));
        var actual = ml.Data.CreateEnumerable<FeatureRow>(featurizer.Transform(data), reuseRowObject: false).SelectMany(r => r.Embedding).ToArray();
        double err = Compare.RelativeError(actual, expected);
        Assert.True(err <= 1e-4, $"embedding differs from torchvision's penultimate activations: relative error {err:E2}");
    }

    [Fact]
    public void FeaturizerThenSdcaFitsEvaluatesSavesAndScoresIdenticallyInAnotherProcess()
    {
        using var dir = new TempDir();
        var ml = new MLContext(1).UseResNetScoringDefaults();
        var train = ml.Data.LoadImagesFromDirectory(fixture.TrainFolder);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Append(ml.Transforms.ResNetFeaturizer(fixture.Classifier))
            .AppendCacheCheckpoint(ml) // SDCA passes over the data many times: featurize once
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy())
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        var model = pipeline.Fit(train);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(fixture.Test));
        Assert.True(metrics.MicroAccuracy > 0.6, $"test accuracy {metrics.MicroAccuracy:P1} on 4 classes from the trained network's features");

        var path = dir.File("featurizer-sdca.zip");
        ml.Model.Save(model, train.Schema, path);
        var files = ResNet.MLNet.Data.Sources.ImageFolderSource.ListImages(fixture.TestFolder).ToList();
        var expected = PipelineFixture.Predictions(ml, model.Transform(ml.Data.LoadFromEnumerable(files.Select(f => new ImageInput { ImagePath = f }).ToList())));
        CliTests.AssertPredictedScoresEqual(AppContext.BaseDirectory, path, files, expected);
    }
}

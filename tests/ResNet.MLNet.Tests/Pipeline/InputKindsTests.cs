using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using ResNet.MLNet.Data.Idx;
using ResNet.MLNet.Tests.Support;

namespace ResNet.MLNet.Tests.Pipeline;

/// <summary>Every kind of image column among ML.NET's own transforms: CSV → LoadRawImageBytes (bytes), LoadImages
/// (MLImage), IDX pixels (a float vector); each fits, evaluates and round-trips through ml.Model.Save/Load.</summary>
[Collection("Pipeline")]
public class InputKindsTests(PipelineFixture fixture)
{
    private static void AssertRoundTrip(MLContext ml, ITransformer model, IDataView train, IDataView test)
    {
        using var dir = new TempDir();
        ml.Model.Save(model, train.Schema, dir.File("m.zip"));
        var loaded = new MLContext(3).Model.Load(dir.File("m.zip"), out _);
        var before = PipelineFixture.Predictions(ml, model.Transform(test));
        var after = PipelineFixture.Predictions(ml, loaded.Transform(test));
        Assert.Equal(before.Count, after.Count);
        for (int i = 0; i < before.Count; i++)
        {
            Assert.Equal(before[i].Score, after[i].Score);
            Assert.Equal(before[i].PredictedLabel, after[i].PredictedLabel);
        }
    }

    private string Csv(TempDir dir, string folder)
    {
        var path = dir.File("images.csv");
        File.WriteAllLines(path, new[] { "ImagePath,Label" }.Concat(ResNet.MLNet.Data.Sources.ImageFolderSource.ListImages(folder)
            .Select(f => $"{Path.GetRelativePath(fixture.TrainFolder, f)},{Path.GetFileName(Path.GetDirectoryName(f))}")));
        return path;
    }

    [Fact]
    public void CsvThenLoadRawImageBytes()
    {
        using var dir = new TempDir();
        var ml = new MLContext(1);
        var csv = ml.Data.LoadFromTextFile(Csv(dir, fixture.TrainFolder), new[]
        {
            new TextLoader.Column("ImagePath", DataKind.String, 0), new TextLoader.Column("Label", DataKind.String, 1),
        }, separatorChar: ',', hasHeader: true);
        var pipeline = ml.Transforms.LoadRawImageBytes("Bytes", fixture.TrainFolder, "ImagePath")
            .Append(ml.Transforms.Conversion.MapValueToKey("Label"))
            .Append(ml.Transforms.ResNetClassifier(PipelineFixture.Options(epochs: 2) with { ImageColumnName = "Bytes" }))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        var model = pipeline.Fit(csv);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(csv));
        Assert.True(metrics.MicroAccuracy > 0.5, $"training accuracy {metrics.MicroAccuracy}");
        AssertRoundTrip(ml, model, csv, csv);
    }

    [Fact]
    public void LoadImagesGivesAnMLImageColumn()
    {
        var ml = new MLContext(1);
        var train = ml.Data.LoadImagesFromDirectory(fixture.TrainFolder);
        var pipeline = ml.Transforms.LoadImages("Picture", null, "ImagePath")
            .Append(ml.Transforms.Conversion.MapValueToKey("Label"))
            .Append(ml.Transforms.ResNetClassifier(PipelineFixture.Options(epochs: 2) with { ImageColumnName = "Picture" }))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        var model = pipeline.Fit(train);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(fixture.Test));
        Assert.True(metrics.MicroAccuracy > 0.5, $"accuracy {metrics.MicroAccuracy}");
        AssertRoundTrip(ml, model, train, fixture.Test);
    }

    [Fact]
    public void IdxPixelsAreAFloatVectorInput()
    {
        var ml = new MLContext(1);
        var (images, labels) = FashionMnist.Files(FashionMnist.Split.Test);
        var all = ml.Data.LoadFromIdx(images, labels, FashionMnist.ClassNames);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 1, 28, 28), all.Schema["Image"].Type);
        var train = ml.Data.TakeRows(all, 600);
        var test = ml.Data.SkipRows(ml.Data.TakeRows(all, 800), 600);
        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.ResNetClassifier(PipelineFixture.Options(epochs: 2, imageSize: 28) with { ImageColumnName = "Image", BatchSize = 32 }))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"))
            .Fit(train);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
        Assert.True(metrics.MicroAccuracy > 0.4, $"accuracy {metrics.MicroAccuracy} (chance 0.1)");
        AssertRoundTrip(ml, model, train, test);
    }

    [Fact]
    public void ValidationFractionCallbacksAndCancellationReachTheTrainer()
    {
        var ml = new MLContext(1);
        var epochs = new List<ResNet.MLNet.Engine.EpochMetrics>();
        int batches = 0;
        var model = PipelineFixture.Pipeline(ml, PipelineFixture.Options(epochs: 2, imageSize: 8) with
        {
            ValidationFraction = 0.25f, MetricsCallback = epochs.Add, BatchCallback = _ => batches++,
        }).Fit(ml.Data.LoadImagesFromDirectory(fixture.TrainFolder));
        Assert.Equal(2, epochs.Count);
        Assert.All(epochs, e => Assert.NotNull(e.ValidationAccuracy));
        Assert.True(batches > 0);

        using var cancel = new CancellationTokenSource();
        var stopped = PipelineFixture.Pipeline(ml, PipelineFixture.Options(epochs: 3, imageSize: 8) with
        {
            CancellationToken = cancel.Token, BatchCallback = b => { if (b.Batch >= 2) cancel.Cancel(); },
        }).Fit(ml.Data.LoadImagesFromDirectory(fixture.TrainFolder));
        // Cancelled after the current batch: a usable model that scores.
        var classifier = stopped.OfType<ResNetClassifierTransformer>().Single();
        Assert.True(classifier.History.Count < 3);
        Assert.Equal(4 * PipelineFixture.TestPerClass, PipelineFixture.Predictions(ml, stopped.Transform(fixture.Test)).Count);
    }

    [Fact]
    public void ValidationSetIsScoredEveryEpoch()
    {
        var ml = new MLContext(1);
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.Data.LoadImagesFromDirectory(fixture.TrainFolder));
        var epochs = new List<ResNet.MLNet.Engine.EpochMetrics>();
        ml.Transforms.ResNetClassifier(PipelineFixture.Options(epochs: 2, imageSize: 8) with
        {
            ValidationSet = keys.Transform(fixture.Test), MetricsCallback = epochs.Add,
        }).Fit(keys.Transform(ml.Data.LoadImagesFromDirectory(fixture.TrainFolder)));
        Assert.All(epochs, e => Assert.InRange(e.ValidationAccuracy!.Value, 0, 1));
    }
}

using ResNet.MLNet.Data.Idx;
using ResNet.MLNet.Models;

namespace ResNet.MLNet.Tests.Pipeline;

/// <summary>Options reach the trainer (validation fraction, callbacks, cancellation) and other sources train too.</summary>
[Collection("Pipeline")]
public class ClassifierOptionsTests(PipelineFixture fixture)
{
    private MLContext Ml => fixture.Context;

    private ResNetClassifierOptions Small => new()
    {
        Architecture = ResNetArchitecture.ResNet20, ImageSize = 8, Channels = 1, Resizing = Data.Images.ResizingKind.Fill,
        Epochs = 2, BatchSize = 16,
    };

    [Fact]
    public void ValidationFractionAndCallbacksReachTheTrainer()
    {
        var epochs = new List<Engine.EpochMetrics>();
        int batches = 0;
        var pipeline = Ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(Ml.Transforms.ResNetClassifier(Small with { ValidationFraction = 0.25f, MetricsCallback = epochs.Add, BatchCallback = _ => batches++ }));
        using var model = pipeline.Fit(Ml.Data.LoadImagesFromDirectory(fixture.TestFolder));
        Assert.Equal(2, epochs.Count);
        Assert.All(epochs, e => Assert.NotNull(e.ValidationAccuracy));
        // 60 images, 15 held out: 45 training images are 3 batches of 16 per epoch.
        Assert.Equal(2 * 3, batches);
        Assert.Equal(epochs, model.LastTransformer.History);
    }

    [Fact]
    public void ValidationSetIsScoredEveryEpoch()
    {
        var keys = Ml.Transforms.Conversion.MapValueToKey("Label").Fit(Ml.Data.LoadImagesFromDirectory(fixture.TestFolder));
        var split = Ml.Data.TrainTestSplit(keys.Transform(Ml.Data.LoadImagesFromDirectory(fixture.TestFolder)), testFraction: 0.25, seed: 5);
        var epochs = new List<Engine.EpochMetrics>();
        using var model = Ml.Transforms.ResNetClassifier(Small with { ValidationSet = split.TestSet, MetricsCallback = epochs.Add }).Fit(split.TrainSet);
        Assert.Equal(2, epochs.Count);
        Assert.All(epochs, e => Assert.InRange(e.ValidationAccuracy!.Value, 0, 1));
        // The validation accuracy is a multiple of 1/15 (15 held-out images).
        Assert.All(epochs, e => Assert.Equal(Math.Round(e.ValidationAccuracy!.Value * 15), e.ValidationAccuracy!.Value * 15, 6));
    }

    [Fact]
    public void CancelledFitStopsBeforeTraining()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var pipeline = Ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(Ml.Transforms.ResNetClassifier(Small with { CancellationToken = cancelled.Token }));
        Assert.ThrowsAny<OperationCanceledException>(() => pipeline.Fit(Ml.Data.LoadImagesFromDirectory(fixture.TestFolder)));
    }

    [Fact]
    public void IdxImagesTrainThroughTheSameEstimator()
    {
        var dir = FashionMnist.DefaultDirectory;
        string Find(string stem) => new[] { stem, stem + ".gz" }.Select(n => Path.Combine(dir, n)).First(File.Exists);
        var all = Ml.Data.LoadFromIdx(Find("t10k-images-idx3-ubyte"), Find("t10k-labels-idx1-ubyte"), FashionMnist.ClassNames);
        var sample = Ml.Data.TrainTestSplit(all, testFraction: 0.01, seed: 3).TestSet; // 100 images
        var pipeline = Ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(Ml.Transforms.ResNetClassifier(Small with { ImageColumnName = "Image", Epochs = 1 }));
        using var model = pipeline.Fit(sample);
        var metrics = Ml.MulticlassClassification.Evaluate(model.Transform(sample));
        Assert.Equal(100, metrics.Count);
        Assert.Equal(FashionMnist.ClassNames.Order(), model.LastTransformer.ClassNames.Order());
    }
}

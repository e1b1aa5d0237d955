using Microsoft.ML;
using ResNet.MLNet.Tests.Support;
using ResNet.MLNet.Tests.Samples.Cli;

namespace ResNet.MLNet.Tests.Pipeline;

/// <summary>The trainer's options work through the estimator: checkpoints and resume, early stopping, and a label
/// unseen in training at Evaluate.</summary>
[Collection("Pipeline")]
public class TrainingOptionsTests(PipelineFixture fixture)
{
    [Fact]
    public void ACheckpointedRunStoppedAndResumedEqualsAnUninterruptedRun()
    {
        using var dir = new TempDir();
        var ml = new MLContext(1);
        var data = ml.Data.LoadImagesFromDirectory(fixture.TrainFolder);
        var options = PipelineFixture.Options(epochs: 3, imageSize: 8);
        var straight = PipelineFixture.Pipeline(ml, options).Fit(data);

        using var stop = new CancellationTokenSource();
        var checkpointed = options with
        {
            CheckpointDirectory = dir.Path, CancellationToken = stop.Token, MetricsCallback = m => { if (m.Epoch == 2) stop.Cancel(); },
        };
        var stopped = PipelineFixture.Pipeline(ml, checkpointed).Fit(data).OfType<ResNetClassifierTransformer>().Single();
        Assert.Equal(2, stopped.History.Count);
        var resumed = PipelineFixture.Pipeline(ml, options with { CheckpointDirectory = dir.Path, Resume = true }).Fit(data);

        Assert.Equal(3, resumed.OfType<ResNetClassifierTransformer>().Single().History.Count);
        var a = PipelineFixture.Predictions(ml, straight.Transform(fixture.Test));
        var b = PipelineFixture.Predictions(ml, resumed.Transform(fixture.Test));
        double worst = a.Zip(b).SelectMany(p => p.First.Score.Zip(p.Second.Score, (x, y) => Math.Abs(x - y))).Max();
        Assert.True(worst < 1e-5, $"the resumed run's scores differ from the uninterrupted run's by {worst}");
    }

    [Fact]
    public void EarlyStoppingEndsTheRunWhenValidationLossStopsImproving()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadImagesFromDirectory(fixture.TrainFolder);
        // A learning rate far too high for a constant schedule: validation loss cannot keep improving for 12 epochs.
        var model = PipelineFixture.Pipeline(ml, PipelineFixture.Options(epochs: 12, imageSize: 8) with
        {
            ValidationFraction = 0.25f, EarlyStoppingPatience = 1, LearningRate = 2, Schedule = ResNet.MLNet.Engine.LearningRateSchedule.Constant,
        }).Fit(data);
        var history = model.OfType<ResNetClassifierTransformer>().Single().History;
        Assert.True(history.Count < 12, "the run did not stop early");
        // It stopped exactly when the last epoch failed to improve on the best before it.
        var best = history.SkipLast(1).Min(m => m.ValidationLoss!.Value);
        Assert.False(history[^1].ValidationLoss < best, $"the last epoch improved: {history[^1].ValidationLoss} < {best}");
    }

    private string ModelZip(TempDir dir)
    {
        var path = dir.File("model.zip");
        fixture.Context.Model.Save(fixture.Model, fixture.Context.Data.LoadImagesFromDirectory(fixture.TrainFolder).Schema, path);
        return path;
    }

    [Fact]
    public void ALabelUnseenInTrainingIsNamedAtEvaluate()
    {
        using var dir = new TempDir();
        var root = dir.File("test");
        foreach (var cls in new[] { "Bag", "Pullover" }) Directory.CreateDirectory(Path.Combine(root, cls));
        foreach (var f in Directory.GetFiles(Path.Combine(fixture.TestFolder, "Bag")).Take(3)) File.Copy(f, Path.Combine(root, "Bag", Path.GetFileName(f)));
        foreach (var f in Directory.GetFiles(Path.Combine(fixture.TestFolder, "Trouser")).Take(3)) File.Copy(f, Path.Combine(root, "Pullover", Path.GetFileName(f)));
        var ml = fixture.Context;
        var data = ml.Data.LoadImagesFromDirectory(root);
        // ML.NET's own Evaluate leaves the unseen rows out silently: the reason for the check.
        var metrics = ml.MulticlassClassification.Evaluate(fixture.Model.Transform(data));
        Assert.Equal(3, metrics.ConfusionMatrix.Counts.Sum(row => row.Sum()));
        var e = Assert.Throws<InvalidDataException>(() => ml.Data.CheckLabelsKnown(data, fixture.Model));
        Assert.Contains("'Pullover'", e.Message);
        Assert.Contains(Path.Combine(root, "Pullover"), e.Message);
        ml.Data.CheckLabelsKnown(fixture.Test, fixture.Model); // every test label is known: no error

        var cli = CliTests.Cli("evaluate", ModelZip(dir), root);
        Assert.Equal(1, cli.ExitCode);
        Assert.Contains("'Pullover'", cli.Error);
    }
}

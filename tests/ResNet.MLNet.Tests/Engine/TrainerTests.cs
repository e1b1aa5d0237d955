using System.Diagnostics;
using ResNet.MLNet.Data.Idx;
using ResNet.MLNet.Engine;
using ResNet.MLNet.Models;
using ResNet.MLNet.Torch;
using ResNet.MLNet.Tests.Support;
using Xunit.Abstractions;

namespace ResNet.MLNet.Tests.Engine;

/// <summary>The trainer on real Fashion-MNIST subsets: it learns, resumes exactly, and stops cleanly when cancelled.</summary>
public class TrainerTests
{
    private readonly ITestOutputHelper _output;

    public TrainerTests(ITestOutputHelper output) => _output = output;

    private static TrainerOptions Options(int epochs, string? checkpoint = null, bool resume = false) => new()
    {
        Epochs = epochs, BatchSize = 64, LearningRate = 0.1, Seed = 7, Augmentation = AugmentationOptions.Standard,
        CheckpointDirectory = checkpoint, Resume = resume,
    };

    [Fact]
    public void SubsetRunBeatsChanceByAWideMargin()
    {
        var (trainImages, testImages, _, _) = FashionMnist.LoadNormalized(trainSubset: 2000, testSubset: 1000);
        using (var train = InMemoryTrainingData.From(trainImages))
        using (var test = InMemoryTrainingData.From(testImages))
        {
            TorchRuntime.ManualSeed(1);
            using var model = ResNetZoo.Create(ResNetArchitecture.ResNet20, numClasses: 10, inChannels: 1);
            var clock = Stopwatch.StartNew();
            var result = new Trainer(model, new TrainerOptions { Epochs = 3, BatchSize = 64 }).Fit(train, validation: test);
            using var scorer = new Scorer(model);
            var report = ClassificationReport.Evaluate(scorer, test);
            _output.WriteLine($"2,000 images x 3 epochs: {clock.Elapsed.TotalSeconds:F1} s, test accuracy {report.MicroAccuracy:P2}, " +
                              $"validation loss per epoch {string.Join(", ", result.History.Select(h => h.ValidationLoss?.ToString("F3")))}");
            Assert.Equal(3, result.History.Count);
            Assert.False(result.Cancelled);
            Assert.True(report.MicroAccuracy > 0.6, $"test accuracy {report.MicroAccuracy:P2} does not beat chance (10 %) by a wide margin");
            Assert.True(result.History[^1].TrainLoss < result.History[0].TrainLoss, "the training loss did not fall");
            Assert.Equal(report.MicroAccuracy, result.History[^1].ValidationAccuracy!.Value, 6);
        }
    }

    [Fact]
    public void ResumedRunReproducesTheUninterruptedRun()
    {
        using var data = InMemoryTrainingData.From(FashionMnist.Load(FashionMnist.Split.Train, subset: 512));
        using var dir = new TempDir();

        TorchRuntime.ManualSeed(3);
        using var reference = ResNetZoo.Create(ResNetArchitecture.ResNet20, 10, 1);
        var uninterrupted = new Trainer(reference, Options(2)).Fit(data);

        // The same run, stopped after its first epoch (its checkpoint is written), then resumed in a fresh model
        // whose own initialisation differs: everything must come from the checkpoint.
        TorchRuntime.ManualSeed(3);
        using (var first = ResNetZoo.Create(ResNetArchitecture.ResNet20, 10, 1))
        {
            using var stop = new CancellationTokenSource();
            var partial = new Trainer(first, Options(2, dir.Path)).Fit(data, progress: new InlineProgress<EpochMetrics>(_ => stop.Cancel()), cancellationToken: stop.Token);
            Assert.True(partial.Cancelled);
            Assert.Single(partial.History);
        }
        TorchRuntime.ManualSeed(99);
        using var resumed = ResNetZoo.Create(ResNetArchitecture.ResNet20, 10, 1);
        var second = new Trainer(resumed, Options(2, dir.Path, resume: true)).Fit(data);

        Assert.Equal(2, second.History.Count);
        Assert.Equal(uninterrupted.History[1].TrainLoss, second.History[1].TrainLoss);
        Assert.Equal(uninterrupted.History[1].TrainAccuracy, second.History[1].TrainAccuracy);
        var expected = reference.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value);
        var actual = resumed.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal(expected.Keys, actual.Keys);
        using (TensorScope.Begin())
            foreach (var (name, tensor) in expected)
                Assert.True(Values(tensor).SequenceEqual(Values(actual[name])), $"{name} differs between the resumed and the uninterrupted run");
        Assert.Equal(new[] { TrainingCheckpoint.DescriptionFile, TrainingCheckpoint.WeightsFile },
            Directory.GetFiles(dir.Path).Select(Path.GetFileName).Order().ToArray());
    }

    [Fact]
    public void CancellationStopsAfterTheCurrentBatchAndLeavesAUsableModel()
    {
        using var data = InMemoryTrainingData.From(FashionMnist.Load(FashionMnist.Split.Train, subset: 1024));
        long baseline = TorchRuntime.LiveTensors;
        TrainingResult result;
        int batchesSeen = 0;
        using (var model = ResNetZoo.Create(ResNetArchitecture.ResNet20, 10, 1))
        {
            using var stop = new CancellationTokenSource();
            var progress = new InlineProgress<BatchProgress>(p =>
            {
                batchesSeen = p.Batch;
                if (p.Batch == 3) stop.Cancel();
            });
            result = new Trainer(model, Options(5)).Fit(data, cancellationToken: stop.Token, batchProgress: progress);
            Assert.False(model.IsTraining);
            using var scope = TensorScope.Begin();
            using var scorer = new Scorer(model);
            var p = scorer.Probabilities(Tensor.Randn(new long[] { 4, 1, 28, 28 }));
            Assert.All(p, v => Assert.True(float.IsFinite(v)));
        }
        Assert.True(result.Cancelled);
        Assert.Empty(result.History);
        Assert.Equal(3, batchesSeen);
        Assert.Equal(baseline, TorchRuntime.LiveTensors);
    }

    [Fact]
    public void ScorerWithFoldedBatchNormEqualsTheModelInEvalMode()
    {
        using var data = InMemoryTrainingData.From(FashionMnist.Load(FashionMnist.Split.Train, subset: 256));
        using var model = ResNetZoo.Create(ResNetArchitecture.ResNet20, 10, 1);
        new Trainer(model, Options(1) with { Augmentation = AugmentationOptions.None }).Fit(data); // running statistics away from 0/1
        using var scope = TensorScope.Begin();
        var images = data.Images.Slice(0, 0, 32);
        using var scorer = new Scorer(model);
        Assert.True(scorer.IsFolded);
        Tensor expected;
        using (Autograd.NoGrad()) expected = model.Forward(images);
        Compare.Close(scorer.Logits(images), expected, 1e-4, "folded scorer logits");
    }

    private static double[] Values(Tensor t) => t.To(DType.Float64).ToArray<double>();

    /// <summary>An <see cref="IProgress{T}"/> that runs its handler on the reporting thread, at once.</summary>
    private sealed class InlineProgress<T>(Action<T> handler) : IProgress<T>
    {
        public void Report(T value) => handler(value);
    }
}

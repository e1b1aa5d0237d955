using Microsoft.ML;
using Microsoft.ML.Data;
using ResNet.MLNet.Models;
using ResNet.MLNet.Tests.Support;
using Xunit.Abstractions;

namespace ResNet.MLNet.Tests.Pipeline;

/// <summary>A training set above the in-memory budget streams through ML.NET cursors: it learns the same network as
/// the in-memory path, its memory stays bounded, and skipping, validation and progress work on it.</summary>
[Collection("Pipeline")]
public class StreamingTests(PipelineFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public void StreamedTrainingLearnsWhatInMemoryTrainingLearns()
    {
        // One batch holding every image per step: the order of rows cannot matter, so both paths must agree.
        var ml = new MLContext(1).UseResNetScoringDefaults();
        var data = ml.Data.LoadImagesFromDirectory(fixture.TrainFolder);
        var options = PipelineFixture.Options(epochs: 2) with { BatchSize = 4 * PipelineFixture.TrainPerClass };
        var inMemory = PipelineFixture.Pipeline(ml, options).Fit(data);
        var streamed = PipelineFixture.Pipeline(ml, options with { MaxInMemoryTrainingBytes = 0 }).Fit(data);
        var a = PipelineFixture.Predictions(ml, inMemory.Transform(fixture.Test));
        var b = PipelineFixture.Predictions(ml, streamed.Transform(fixture.Test));
        Assert.Equal(a.Count, b.Count);
        double worst = a.Zip(b).SelectMany(p => p.First.Score.Zip(p.Second.Score, (x, y) => Math.Abs(x - y))).Max();
        output.WriteLine($"largest score difference in-memory vs streamed: {worst:E2}");
        Assert.True(worst < 1e-3, $"scores differ by {worst}");
        var history = (inMemory.OfType<ResNetClassifierTransformer>().Single().History, streamed.OfType<ResNetClassifierTransformer>().Single().History);
        Assert.Equal(history.Item1.Select(m => m.TrainLoss), history.Item2.Select(m => m.TrainLoss), (x, y) => Math.Abs(x - y) < 1e-3);
    }

    private sealed class Generated
    {
        [VectorType(3 * 32 * 32)] public float[] Pixels { get; set; } = Array.Empty<float>();
        public string Label { get; set; } = "";
    }

    /// <summary>Rows made on demand: nothing holds the set, so only the trainer's own buffers can grow.</summary>
    private static IEnumerable<Generated> Rows(int count)
    {
        for (int i = 0; i < count; i++)
        {
            var random = new Random(i);
            int label = i % 4;
            var pixels = new float[3 * 32 * 32];
            for (int j = 0; j < pixels.Length; j++) pixels[j] = (float)(0.25 * label + 0.2 * random.NextDouble());
            yield return new Generated { Pixels = pixels, Label = "class " + label };
        }
    }

    [Fact]
    public void ASetAboveTheBudgetStreamsInBoundedMemoryAndSaysSoInTheLog()
    {
        const int rows = 10_000, stopAfter = 20;
        long wholeSet = rows * 3L * 32 * 32 * sizeof(float);
        var ml = new MLContext(1);
        var log = new List<string>();
        ml.Log += (_, e) => { if (e.Source == "ResNetClassifier") lock (log) log.Add(e.Message); };
        using var stop = new CancellationTokenSource();
        long baseline = GC.GetTotalMemory(forceFullCollection: true), during = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var options = new ResNetClassifierOptions
        {
            ImageColumnName = "Pixels", Architecture = ResNetArchitecture.ResNet20, ImageSize = 32, Channels = 3, Epochs = 1, BatchSize = 32,
            MaxInMemoryTrainingBytes = 16 << 20, LogTo = ml, CancellationToken = stop.Token,
            BatchCallback = p =>
            {
                if (p.Batch == 1) output.WriteLine($"first batch after {clock.Elapsed.TotalSeconds:0.0} s");
                if (p.Batch != stopAfter) return;
                during = GC.GetTotalMemory(forceFullCollection: true) - baseline;
                stop.Cancel();
            },
        };
        var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.ResNetClassifier(options))
            .Fit(ml.Data.LoadFromEnumerable(Rows(rows))).OfType<ResNetClassifierTransformer>().Single();
        output.WriteLine($"fit returned after {clock.Elapsed.TotalSeconds:0.0} s");
        output.WriteLine($"whole set {wholeSet >> 20} MiB; managed memory above baseline after {stopAfter} batches: {during >> 20} MiB");
        output.WriteLine(string.Join("\n", log));
        Assert.True(during > 0, "the batch callback never ran");
        // The shuffle pool (a quarter of the budget), ML.NET's cursor buffers and a few batches: far below the set.
        Assert.True(during < wholeSet / 3, $"{during >> 20} MiB held while streaming a {wholeSet >> 20} MiB set");
        Assert.Contains(log, m => m.Contains("streaming") && m.Contains(rows.ToString()));
        Assert.Empty(model.History); // cancelled inside the first epoch
    }

    [Fact]
    public void StreamingSkipsUndecodableImagesOnceAndHoldsOutAValidationFraction()
    {
        using var dir = new TempDir();
        var root = dir.File("data");
        foreach (var cls in new[] { "Bag", "Trouser" })
        {
            Directory.CreateDirectory(Path.Combine(root, cls));
            foreach (var f in Directory.GetFiles(Path.Combine(fixture.TrainFolder, cls)).Order().Take(12))
                File.Copy(f, Path.Combine(root, cls, Path.GetFileName(f)));
        }
        var bad = Path.Combine(root, "Bag", "broken.jpg");
        File.WriteAllBytes(bad, new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3 });
        var ml = new MLContext(1);
        var options = PipelineFixture.Options(epochs: 2, imageSize: 8) with { MaxInMemoryTrainingBytes = 0, ValidationFraction = 0.25f };
        var e = Assert.Throws<InvalidDataException>(() => PipelineFixture.Pipeline(ml, options).Fit(ml.Data.LoadImagesFromDirectory(root)));
        Assert.Contains(bad, e.Message);

        var model = PipelineFixture.Pipeline(ml, options with { SkipUndecodableImages = true }).Fit(ml.Data.LoadImagesFromDirectory(root));
        var classifier = model.OfType<ResNetClassifierTransformer>().Single();
        Assert.Contains(bad, Assert.Single(classifier.SkippedImages).Source);
        Assert.Equal(2, classifier.History.Count);
        Assert.All(classifier.History, m => Assert.NotNull(m.ValidationAccuracy));
    }
}

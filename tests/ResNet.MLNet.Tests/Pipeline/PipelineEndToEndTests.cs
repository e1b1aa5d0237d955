using System.Text.Json;
using ResNet.MLNet.Tests.Support;
using ResNet.MLNet.Torch;

namespace ResNet.MLNet.Tests.Pipeline;

/// <summary>Fit, evaluate, save, load and predict on an image folder written from real Fashion-MNIST images.</summary>
[Collection("Pipeline")]
public class PipelineEndToEndTests(PipelineFixture fixture)
{
    private MLContext Ml => fixture.Context;

    [Fact]
    public void FitLearnsTheImageFolderAndEvaluates()
    {
        Assert.Equal(PipelineFixture.TrainingEpochs, fixture.Epochs.Count);
        Assert.Equal(new[] { "Bag", "Sneaker", "T-shirt-top", "Trouser" }, fixture.Classifier.ClassNames);
        var scored = fixture.Model.Transform(Ml.Data.LoadImagesFromDirectory(fixture.TestFolder));
        Assert.Equal(fixture.Classifier.ClassNames, scored.Schema["Score"].SlotNames);
        Assert.Equal(typeof(string), scored.Schema["PredictedLabel"].Type);
        // Before MapKeyToValue, PredictedLabel is a key whose values are the class names.
        var keyed = fixture.Classifier.Transform(fixture.Model[0].Transform(Ml.Data.LoadImagesFromDirectory(fixture.TestFolder)));
        Assert.True(keyed.Schema["PredictedLabel"].IsKey);
        Assert.Equal(fixture.Classifier.ClassNames, keyed.Schema["PredictedLabel"].KeyValues);
        var metrics = Ml.MulticlassClassification.Evaluate(scored, topKPredictionCount: 2);
        Assert.Equal(4 * PipelineFixture.TestPerClass, metrics.Count);
        // Four well-separated classes: four short epochs on 160 images must clearly beat chance (0.25).
        Assert.True(metrics.MicroAccuracy > 0.7, $"accuracy {metrics.MicroAccuracy}");
        Assert.True(metrics.LogLossReduction > 0.2, $"log-loss reduction {metrics.LogLossReduction}");
        Assert.Contains("Recall", metrics.ConfusionMatrix.GetFormattedConfusionTable());
        foreach (var row in Ml.Data.CreateEnumerable<ImagePrediction>(scored))
        {
            Assert.Equal(1.0, row.Score.Sum(), 4);
            Assert.Equal(fixture.Classifier.ClassNames[Array.IndexOf(row.Score, row.Score.Max())], row.PredictedLabel);
        }
    }

    [Fact]
    public void EvaluateMatchesScikitLearnOnTheModelsPredictions()
    {
        var scored = fixture.Model.Transform(Ml.Data.LoadImagesFromDirectory(fixture.TestFolder));
        var labels = new List<long>();
        var scores = new List<float[]>();
        using (var cursor = scored.GetRowCursor())
            while (cursor.MoveNext())
            {
                labels.Add(cursor.GetValue<uint>("Label") - 1);
                scores.Add(cursor.GetValue<float[]>("Score"));
            }
        MetricsReference.AssertMatchesScikitLearn(Ml.MulticlassClassification.Evaluate(scored, topKPredictionCount: 2), labels, scores, 2);
    }

    [Fact]
    public void SavedAndLoadedModelScoresExactlyTheSame()
    {
        using var dir = new TempDir();
        var path = dir.File("classifier.zip");
        Ml.Model.Save(fixture.Model, path);
        var test = Ml.Data.LoadImagesFromDirectory(fixture.TestFolder);
        var original = Ml.Data.CreateEnumerable<ImagePrediction>(fixture.Model.Transform(test)).ToList();
        using (var loaded = (IDisposable)Ml.Model.Load(path, out var manifest))
        {
            Assert.Equal(fixture.Classifier.ClassNames, manifest.Steps[1].ClassNames);
            Assert.Equal("ResNet20", manifest.Steps[1].Architecture);
            Assert.Equal(PipelineFixture.TrainingEpochs, manifest.Steps[1].Metrics!.Count);
            Assert.Equal(64, manifest.Entries.Single().Value.Length);
            var again = Ml.Data.CreateEnumerable<ImagePrediction>(((ITransformer)loaded).Transform(test)).ToList();
            Assert.Equal(original.Count, again.Count);
            for (int i = 0; i < original.Count; i++)
            {
                Assert.Equal(original[i].Score, again[i].Score);
                Assert.Equal(original[i].PredictedLabel, again[i].PredictedLabel);
            }
        }
        // The manifest is plain JSON with the documented fields.
        using var zip = System.IO.Compression.ZipFile.OpenRead(path);
        using var json = JsonDocument.Parse(zip.GetEntry("manifest.json")!.Open());
        Assert.Equal(1, json.RootElement.GetProperty("formatVersion").GetInt32());
        Assert.Equal(new[] { "classifier0.safetensors", "manifest.json" }, zip.Entries.Select(e => e.FullName).Order());
    }

    [Fact]
    public void PredictionEngineGivesTheTransformersPredictions()
    {
        var engine = Ml.Model.CreatePredictionEngine<ImageInput, ImagePrediction>(fixture.Model);
        var files = Data.Sources.ImageFolderSource.ListImages(fixture.TestFolder).Take(12).ToList();
        var batch = Ml.Data.CreateEnumerable<ImagePrediction>(fixture.Model.Transform(Ml.Data.LoadFromEnumerable(
            files.Select(f => new ImageInput { ImagePath = f }).ToList()))).ToList();
        for (int i = 0; i < files.Count; i++)
        {
            var single = engine.Predict(new ImageInput { ImagePath = files[i] });
            Assert.Equal(batch[i].PredictedLabel, single.PredictedLabel);
            for (int c = 0; c < single.Score.Length; c++) Assert.Equal(batch[i].Score[c], single.Score[c], 4);
        }
    }

    [Fact]
    public void PredictionEngineFromEightThreadsEqualsSequentialAndFreesEverything()
    {
        var engine = Ml.Model.CreatePredictionEngine<ImageInput, ImagePrediction>(fixture.Model);
        var files = Data.Sources.ImageFolderSource.ListImages(fixture.TestFolder).ToList();
        engine.Predict(new ImageInput { ImagePath = files[0] }); // builds the folded scorer once
        long baseline = TorchRuntime.LiveTensors;
        var sequential = files.Select(f => engine.Predict(new ImageInput { ImagePath = f })).ToList();
        var parallel = new ImagePrediction[files.Count];
        Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = 8 },
            i => parallel[i] = engine.Predict(new ImageInput { ImagePath = files[i] }));
        for (int i = 0; i < files.Count; i++)
        {
            Assert.Equal(sequential[i].Score, parallel[i].Score);
            Assert.Equal(sequential[i].PredictedLabel, parallel[i].PredictedLabel);
        }
        for (int i = 0; i < 1000 - 2 * files.Count; i++) engine.Predict(new ImageInput { ImagePath = files[i % files.Count] });
        Assert.Equal(baseline, TorchRuntime.LiveTensors);
    }

    [Fact]
    public void SaveLoadAndDisposeReturnLiveTensorsToBaseline()
    {
        using var dir = new TempDir();
        Ml.Model.Save(fixture.Model, dir.File("m.zip"));
        long baseline = TorchRuntime.LiveTensors;
        var loaded = Ml.Model.Load(dir.File("m.zip"));
        Ml.MulticlassClassification.Evaluate(loaded.Transform(Ml.Data.LoadImagesFromDirectory(fixture.TestFolder)));
        ((IDisposable)loaded).Dispose();
        Assert.Equal(baseline, TorchRuntime.LiveTensors);
    }
}

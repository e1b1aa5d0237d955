using Microsoft.ML;
using Microsoft.ML.Data;
using ResNet.MLNet.Pipeline;
using ResNet.MLNet.Tests.Support;
using ResNet.MLNet.Torch;

namespace ResNet.MLNet.Tests.Pipeline;

/// <summary>Fit, Evaluate, Save, Load and predict with the real Microsoft.ML 5.0.1 on an image folder written from
/// real Fashion-MNIST images.</summary>
[Collection("Pipeline")]
public class PipelineEndToEndTests(PipelineFixture fixture)
{
    private MLContext Ml => fixture.Context;

    [Fact]
    public void FitLearnsTheImageFolderAndEvaluates()
    {
        Assert.Equal(PipelineFixture.TrainingEpochs, fixture.Classifier.History.Count);
        Assert.Equal(new[] { "Bag", "Sneaker", "T-shirt-top", "Trouser" }, fixture.Classifier.ClassNames);
        var scored = fixture.Model.Transform(fixture.Test);
        var scoreType = Assert.IsType<VectorDataViewType>(scored.Schema["Score"].Type);
        Assert.Equal((NumberDataViewType.Single, 4), (scoreType.ItemType, scoreType.Size));
        Assert.Equal(TextDataViewType.Instance, scored.Schema["PredictedLabel"].Type);
        Assert.DoesNotContain(scored.Schema, c => c.Name.StartsWith("ResNet.", StringComparison.Ordinal));
        // Before MapKeyToValue, PredictedLabel is a key whose values are the label's key values.
        var keyed = fixture.Classifier.Transform(fixture.Model.First().Transform(fixture.Test));
        var keyValues = default(VBuffer<ReadOnlyMemory<char>>);
        Assert.IsType<KeyDataViewType>(keyed.Schema["PredictedLabel"].Type);
        keyed.Schema["PredictedLabel"].GetKeyValues(ref keyValues);
        Assert.Equal(fixture.Classifier.ClassNames, keyValues.DenseValues().Select(v => v.ToString()));
        var metrics = Ml.MulticlassClassification.Evaluate(scored, topKPredictionCount: 2);
        // Four well-separated classes: four short epochs on 160 images must clearly beat chance (0.25).
        Assert.True(metrics.MicroAccuracy > 0.7, $"accuracy {metrics.MicroAccuracy}");
        Assert.True(metrics.LogLossReduction > 0.2, $"log-loss reduction {metrics.LogLossReduction}");
        foreach (var row in PipelineFixture.Predictions(Ml, scored))
        {
            Assert.Equal(1.0, row.Score.Sum(), 4);
            Assert.Equal(fixture.Classifier.ClassNames[Array.IndexOf(row.Score, row.Score.Max())], row.PredictedLabel);
        }
    }

    [Fact]
    public void EvaluateMatchesScikitLearnOnTheModelsPredictions()
    {
        var scored = fixture.Model.Transform(fixture.Test);
        var labels = new List<long>();
        var scores = new List<float[]>();
        using (var cursor = scored.GetRowCursor(scored.Schema))
        {
            var label = cursor.GetGetter<uint>(scored.Schema["Label"]);
            var score = cursor.GetGetter<VBuffer<float>>(scored.Schema["Score"]);
            uint key = 0;
            var buffer = default(VBuffer<float>);
            while (cursor.MoveNext())
            {
                label(ref key);
                score(ref buffer);
                labels.Add(key - 1);
                scores.Add(buffer.DenseValues().ToArray());
            }
        }
        MetricsReference.AssertMatchesScikitLearn(Ml.MulticlassClassification.Evaluate(scored, topKPredictionCount: 2), labels, scores, 2);
    }

    [Fact]
    public void SavedAndLoadedModelScoresExactlyTheSame()
    {
        using var dir = new TempDir();
        var path = dir.File("classifier.zip");
        var train = Ml.Data.LoadImagesFromDirectory(fixture.TrainFolder);
        Ml.Model.Save(fixture.Model, train.Schema, path);
        var original = PipelineFixture.Predictions(Ml, fixture.Model.Transform(fixture.Test));
        // A fresh context, no registration call.
        var other = new MLContext(seed: 5).UseResNetScoringDefaults();
        var loaded = other.Model.Load(path, out var schema);
        Assert.Equal(train.Schema.Select(c => c.Name), schema.Select(c => c.Name));
        var again = PipelineFixture.Predictions(other, loaded.Transform(other.Data.LoadImagesFromDirectory(fixture.TestFolder)));
        Assert.Equal(original.Count, again.Count);
        for (int i = 0; i < original.Count; i++)
        {
            Assert.Equal(original[i].Score, again[i].Score);
            Assert.Equal(original[i].PredictedLabel, again[i].PredictedLabel);
        }
        Assert.Equal(Ml.MulticlassClassification.Evaluate(fixture.Model.Transform(fixture.Test)).LogLoss,
            other.MulticlassClassification.Evaluate(loaded.Transform(fixture.Test)).LogLoss);
    }

    [Fact]
    public void PredictionEngineGivesTheTransformersPredictions()
    {
        var files = ResNet.MLNet.Data.Sources.ImageFolderSource.ListImages(fixture.TestFolder).Take(12).ToList();
        var batch = PipelineFixture.Predictions(Ml, fixture.Model.Transform(Ml.Data.LoadFromEnumerable(files.Select(f => new ImageInput { ImagePath = f }).ToList())));
        using var dir = new TempDir();
        Ml.Model.Save(fixture.Model, fixture.Test.Schema, dir.File("m.zip"));
        var loaded = Ml.Model.Load(dir.File("m.zip"), out _);
        foreach (var model in new ITransformer[] { fixture.Model, loaded })
        {
            var engine = Ml.Model.CreatePredictionEngine<ImageInput, ImagePrediction>(model);
            for (int i = 0; i < files.Count; i++)
            {
                var single = Copy(engine.Predict(new ImageInput { ImagePath = files[i] }));
                Assert.Equal(batch[i].PredictedLabel, single.PredictedLabel);
                Assert.Equal(batch[i].Score, single.Score);
            }
        }
    }

    [Fact]
    public void PredictionEnginesOnEightThreadsEqualSequentialAndLeakNothing()
    {
        var files = ResNet.MLNet.Data.Sources.ImageFolderSource.ListImages(fixture.TestFolder).ToList();
        long baseline = SettledLiveTensors();
        var engine = Ml.Model.CreatePredictionEngine<ImageInput, ImagePrediction>(fixture.Model);
        var sequential = files.Select(f => Copy(engine.Predict(new ImageInput { ImagePath = f }))).ToList();
        // ML.NET's prediction engine is not thread-safe: one engine per thread, as its documentation says.
        var parallel = new ImagePrediction[files.Count];
        var engines = new ThreadLocal<PredictionEngine<ImageInput, ImagePrediction>>(() => Ml.Model.CreatePredictionEngine<ImageInput, ImagePrediction>(fixture.Model), trackAllValues: true);
        Parallel.For(0, 1000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var p = engines.Value!.Predict(new ImageInput { ImagePath = files[i % files.Count] });
            if (i < files.Count) parallel[i] = Copy(p);
            else Assert.Equal(sequential[i % files.Count].Score, p.Score);
        });
        for (int i = 0; i < files.Count; i++)
        {
            Assert.Equal(sequential[i].Score, parallel[i].Score);
            Assert.Equal(sequential[i].PredictedLabel, parallel[i].PredictedLabel);
        }
        foreach (var e in engines.Values) e.Dispose();
        Assert.Equal(baseline, SettledLiveTensors());
    }

    [Fact]
    public void LibTorchCopyOfTheNetworkAgreesWithTheOnnxScores()
    {
        var files = ResNet.MLNet.Data.Sources.ImageFolderSource.ListImages(fixture.TestFolder).Take(8).ToList();
        var ml = Ml;
        // The network's input pixels as the saved chain computes them (ML.NET's own image transforms), then normalised
        // with the options' default gray mean and std.
        var view = ml.Data.LoadFromEnumerable(files.Select(f => new ImageInput { ImagePath = f }).ToList());
        var options = PipelineFixture.Options(PipelineFixture.TrainingEpochs);
        var pixels = ml.Transforms.ResNetImagePreprocessing(options).Fit(view).Transform(view).GetColumn<float[]>(ChainColumns.Pixels)
            .SelectMany(p => p.Select(v => (v - options.EffectiveMean[0]) / options.EffectiveStd[0])).ToArray();
        var onnx = PipelineFixture.Predictions(ml, fixture.Model.Transform(view));
        long baseline = SettledLiveTensors();
        using (var model = fixture.Classifier.LoadLibTorchModel())
        using (var scorer = new ResNet.MLNet.Engine.Scorer(model))
        using (var scope = TensorScope.Begin())
        {
            var libtorch = scorer.Probabilities(Tensor.FromArray(pixels, files.Count, 1, 16, 16));
            for (int i = 0; i < files.Count; i++)
                for (int c = 0; c < 4; c++) Assert.Equal(onnx[i].Score[c], libtorch[i * 4 + c], 4);
        }
        Assert.Equal(baseline, SettledLiveTensors());
    }

    // Tensors of models other tests dropped are freed by finalizers: settle them before counting.
    private static long SettledLiveTensors()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return TorchRuntime.LiveTensors;
    }

    // A prediction engine may reuse its output's arrays between calls.
    private static ImagePrediction Copy(ImagePrediction p) => new() { Score = p.Score.ToArray(), PredictedLabel = p.PredictedLabel };
}

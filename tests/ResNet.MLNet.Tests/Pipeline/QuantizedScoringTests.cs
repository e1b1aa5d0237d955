using Microsoft.ML;
using ResNet.MLNet.Pipeline;
using ResNet.MLNet.Tests.Export;
using ResNet.MLNet.Tests.Support;

namespace ResNet.MLNet.Tests.Pipeline;

/// <summary><see cref="ResNetClassifierOptions.QuantizeScoringModel"/> through a real ML.NET pipeline: the fitted
/// model scores with an int8 graph, predicts what the float pipeline of the same training predicts, and survives
/// Save/Load unchanged.</summary>
[Collection("Pipeline")]
public class QuantizedScoringTests(PipelineFixture fixture)
{
    [Fact]
    public void QuantizedPipelineScoresWithAnInt8GraphAndAgreesWithTheFloatOne()
    {
        var ml = new MLContext(seed: 1).UseResNetScoringDefaults();
        var options = PipelineFixture.Options(PipelineFixture.TrainingEpochs) with { QuantizeScoringModel = true, QuantizationCalibrationImages = 64 };
        var model = PipelineFixture.Pipeline(ml, options).Fit(ml.Data.LoadImagesFromDirectory(fixture.TrainFolder));

        using var dir = new TempDir();
        var path = dir.File("int8.zip");
        ml.Model.Save(model, fixture.Test.Schema, path);
        File.WriteAllBytes(dir.File("graph.onnx"), ModelZip.ReadOnnxGraph(path));
        var report = OnnxChecker.Check(dir.File("graph.onnx"));
        Assert.True(OnnxChecker.Count(report, "QuantizeLinear") >= 19, "the saved graph should be quantized");
        Assert.Equal("true", report.GetProperty("metadata").GetProperty("quantizeScoringModel").GetString());

        var int8 = PipelineFixture.Predictions(ml, model.Transform(fixture.Test));
        var reloaded = PipelineFixture.Predictions(ml, ml.Model.Load(path, out _).Transform(fixture.Test));
        Assert.Equal(int8.Select(p => p.Score), reloaded.Select(p => p.Score));
        // the fixture's float pipeline trained with the same options and seed
        var float32 = PipelineFixture.Predictions(fixture.Context, fixture.Model.Transform(fixture.Test));
        int agree = int8.Zip(float32).Count(p => p.First.PredictedLabel == p.Second.PredictedLabel);
        Assert.True(agree >= float32.Count * 0.95, $"int8 and float pipelines agree on {agree} of {float32.Count} test images");
    }
}

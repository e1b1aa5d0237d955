using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Onnx;
using ResNet.MLNet.Export;
using ResNet.MLNet.Models;
using ResNet.MLNet.Scoring;
using ResNet.MLNet.Tests.Support;
using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Modules;
using ResNet.MLNet.Torch.Serialization;

namespace ResNet.MLNet.Tests.Export;

/// <summary>Export options (preprocessing, metadata, outputs), agreement with torch.onnx.export and ML.NET's
/// ApplyOnnxModel, and the errors of the exporter and the scorer.</summary>
public class OnnxExportBehaviourTests
{
    private static ResNet.MLNet.Models.ResNet SmallNet(int channels = 3)
    {
        TorchRuntime.ManualSeed(21);
        var net = ResNetZoo.Create(ResNetArchitecture.ResNet20, 10, channels);
        OnnxTestModels.RandomiseBatchNorms(net);
        return net;
    }

    [Fact]
    public void TorchvisionResNet18ExportedByTorchAndByUsGiveTheSameLogits()
    {
        using var dir = new TempDir();
        PythonReference.Run("torchvision_onnx.py", "10", "64", "3", dir.Path);
        using var net = ResNetZoo.Create(ResNetArchitecture.ResNet18, 10, 3);
        SafeTensors.LoadInto(net, dir.File("weights.safetensors"));
        var input = SafeTensors.Load(dir.File("input.safetensors"));
        float[] pixels;
        try { pixels = input["x"].ToArray<float>(); }
        finally { foreach (var t in input.Values) t.Dispose(); }

        OnnxExporter.Export(net, new OnnxExportOptions { Channels = 3, Height = 64, Width = 64, LogitsName = "logits", ProbabilitiesName = null },
            dir.File("ours.onnx"));
        OnnxChecker.Check(dir.File("ours.onnx"));
        var options = new OnnxScorerOptions { OutputName = "logits", IntraOpThreads = 2 };
        using var theirs = new OnnxScorer(dir.File("torchvision.onnx"), options);
        using var ours = new OnnxScorer(dir.File("ours.onnx"), options);
        Assert.Equal(theirs.InputShape, ours.InputShape);
        Assert.Equal("pytorch", theirs.ProducerName);
        Assert.Equal("ResNet.MLNet", ours.ProducerName);
        double error = Compare.RelativeError(ours.Run(pixels, 3), theirs.Run(pixels, 3));
        Assert.True(error <= 1e-4, $"ours vs torch.onnx.export: relative error {error:E3}");
    }

    [Fact]
    public void BakedMeanAndStdEqualNormalisingBeforeLibtorch()
    {
        using var net = SmallNet();
        float[] mean = { 0.485f, 0.456f, 0.406f }, std = { 0.229f, 0.224f, 0.225f };
        var unit = OnnxTestModels.RandomPixels(4 * 3 * 32 * 32, seed: 3, unit: true);
        float[] expected;
        using (var scope = TensorScope.Begin())
        {
            // libtorch normalises: (x - mean) / std with (1, C, 1, 1) broadcasting
            var x = Tensor.FromArray(unit, 4, 3, 32, 32);
            var normalised = x.Sub(Tensor.FromArray(mean, 1, 3, 1, 1)).Div(Tensor.FromArray(std, 1, 3, 1, 1));
            (_, expected) = OnnxTestModels.EvalForward(net, normalised.ToArray<float>(), 4, 3, 32, 32);
        }
        var bytes = OnnxExporter.Export(net, new OnnxExportOptions { Channels = 3, Height = 32, Width = 32, Mean = mean, Std = std });
        using var scorer = new OnnxScorer(bytes);
        Assert.Equal("(in-memory model)", scorer.Source);
        double error = Compare.RelativeError(scorer.Run(unit, 4), expected);
        Assert.True(error <= 1e-4, $"baked normalisation: relative error {error:E3}");
    }

    [Fact]
    public void ExportUsesEvaluationSemanticsAndLeavesTheModelAsItWas()
    {
        using var net = ResNetBuilder.Build(ResNetZoo.WideResNet(16, 2, dropRate: 0.5, numClasses: 10));
        OnnxTestModels.RandomiseBatchNorms(net);
        var options = new OnnxExportOptions { Channels = 3, Height = 16, Width = 16 };
        net.Train();
        var inTraining = OnnxExporter.Export(net, options);
        Assert.True(net.IsTraining);
        net.Eval();
        Assert.Equal(OnnxExporter.Export(net, options), inTraining);

        // a file export replaces an existing file in one move and leaves no temporary file behind
        using var dir = new TempDir();
        File.WriteAllText(dir.File("model.onnx"), "old");
        OnnxExporter.Export(net, options, dir.File("model.onnx"));
        Assert.Equal(inTraining, File.ReadAllBytes(dir.File("model.onnx")));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void MetadataAndProducerTravelWithTheModel()
    {
        using var net = SmallNet();
        var metadata = new Dictionary<string, string>
        {
            ["architecture"] = "resnet20", ["class_names"] = "[\"cat\",\"dog\",\"émeu\"]", ["preprocessing"] = "IsoCrop 32",
        };
        using var dir = new TempDir();
        OnnxExporter.Export(net, new OnnxExportOptions { Channels = 3, Height = 32, Width = 32, Metadata = metadata, PredictedIndexName = "label" },
            dir.File("m.onnx"));
        var report = OnnxChecker.Check(dir.File("m.onnx"));
        Assert.Equal("ResNet.MLNet", report.GetProperty("producer").GetString());
        foreach (var (key, value) in metadata)
            Assert.Equal(value, report.GetProperty("metadata").GetProperty(key).GetString());
        Assert.Equal("N", report.GetProperty("outputs").GetProperty("label")[0].GetString());
        using var scorer = new OnnxScorer(dir.File("m.onnx"));
        Assert.Equal(metadata, scorer.Metadata);
        Assert.Equal(new[] { "probabilities", "label" }, scorer.OutputNames);
    }

    [Fact]
    public void OneScorerServesSeveralThreadsWithTheSameResults()
    {
        using var net = SmallNet();
        using var scorer = new OnnxScorer(OnnxExporter.Export(net, new OnnxExportOptions { Channels = 3, Height = 32, Width = 32 }),
            new OnnxScorerOptions { BatchSize = 3, IntraOpThreads = 1 });
        var inputs = Enumerable.Range(0, 8).Select(i => OnnxTestModels.RandomPixels(7 * 3 * 32 * 32, seed: 100 + i)).ToArray();
        var sequential = inputs.Select(x => scorer.Run(x, 7)).ToArray();
        var parallel = new float[8][];
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => parallel[i] = scorer.Run(inputs[i], 7));
        for (int i = 0; i < 8; i++) Assert.Equal(sequential[i], parallel[i]);
        // chunks of 3 (3 + 3 + 1) give what one call per image gives
        var single = Enumerable.Range(0, 7).SelectMany(r => scorer.Run(inputs[0].AsSpan(r * 3 * 32 * 32, 3 * 32 * 32), 1)).ToArray();
        Assert.True(Compare.RelativeError(single, sequential[0]) <= 1e-5);
    }

    private sealed class PixelRow
    {
        [ColumnName("input"), VectorType(3 * 32 * 32)]
        public float[] Pixels { get; set; } = Array.Empty<float>();
    }

    private sealed class ScoredRow
    {
        [ColumnName("Score"), VectorType(10)]
        public float[] Score { get; set; } = Array.Empty<float>();
    }

    [Fact]
    public void MlNetApplyOnnxModelGivesTheScoresOfOnnxScorer()
    {
        using var net = SmallNet();
        using var dir = new TempDir();
        var path = dir.File("classifier.onnx");
        OnnxExporter.Export(net, new OnnxExportOptions { Channels = 3, Height = 32, Width = 32 }, path);
        var rows = Enumerable.Range(0, 5).Select(i => new PixelRow { Pixels = OnnxTestModels.RandomPixels(3 * 32 * 32, seed: 40 + i) }).ToList();

        // qualified: ResNet.MLNet has an MLContext of its own
        var ml = new Microsoft.ML.MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(rows);
        var pipeline = ml.Transforms.ApplyOnnxModel(new OnnxOptions
        {
            ModelFile = path, InputColumns = new[] { "input" }, OutputColumns = new[] { "probabilities" },
            ShapeDictionary = new Dictionary<string, int[]> { ["input"] = new[] { 1, 3, 32, 32 } },
        }).Append(ml.Transforms.CopyColumns("Score", "probabilities"));
        var scored = ml.Data.CreateEnumerable<ScoredRow>(pipeline.Fit(data).Transform(data), reuseRowObject: false).ToList();

        using var scorer = new OnnxScorer(path);
        var expected = scorer.Run(rows.SelectMany(r => r.Pixels).ToArray(), rows.Count);
        Assert.Equal(rows.Count, scored.Count);
        double error = Compare.RelativeError(scored.SelectMany(r => r.Score).ToArray(), expected);
        Assert.True(error <= 1e-5, $"ApplyOnnxModel vs OnnxScorer: relative error {error:E3}");
    }

    private sealed class Mystery : Module
    {
        public override Tensor Forward(Tensor input) => input;
    }

    [Fact]
    public void AModuleWithoutExportSupportIsNamedWithItsPath()
    {
        using var net = ResNetZoo.Create(ResNetArchitecture.ResNet20, 10, 3);
        net.Stages[1].Add(new Mystery());
        var e = Assert.Throws<NotSupportedException>(() => OnnxExporter.Export(net, new OnnxExportOptions { Channels = 3, Height = 32, Width = 32 }));
        Assert.Contains("layer2.3: Mystery cannot be exported to ONNX", e.Message);

        using var alone = new Mystery();
        e = Assert.Throws<NotSupportedException>(() => OnnxExporter.Export(alone, new OnnxExportOptions { Channels = 3, Height = 32, Width = 32 }));
        Assert.Contains("Mystery cannot be exported", e.Message);
    }

    [Fact]
    public void InconsistentOptionsAreRejected()
    {
        using var net = SmallNet();
        Assert.Throws<ArgumentException>(() => OnnxExporter.Export(net, new OnnxExportOptions { Channels = 3, Height = 32, Width = 32, ProbabilitiesName = null }));
        Assert.Throws<ArgumentException>(() => OnnxExporter.Export(net, new OnnxExportOptions { Channels = 3, Height = 32, Width = 32, Mean = new[] { 0.5f, 0.5f, 0.5f } }));
        Assert.Throws<ArgumentException>(() => OnnxExporter.Export(net, new OnnxExportOptions { Channels = 3, Height = 32, Width = 32, LogitsName = "input" }));
        var e = Assert.Throws<InvalidOperationException>(() => OnnxExporter.Export(net, new OnnxExportOptions { Channels = 1, Height = 32, Width = 32 }));
        Assert.Contains("resnet20 expects (N, 3, H, W)", e.Message);
    }

    [Fact]
    public void BadModelFilesGiveManagedErrorsNamingTheFile()
    {
        using var net = SmallNet();
        using var dir = new TempDir();
        var good = OnnxExporter.Export(net, new OnnxExportOptions { Channels = 3, Height = 32, Width = 32 });

        var missing = dir.File("missing.onnx");
        var notFound = Assert.Throws<FileNotFoundException>(() => new OnnxScorer(missing));
        Assert.Contains(missing, notFound.Message);

        var random = new byte[4096];
        new Random(9).NextBytes(random);
        var cases = new Dictionary<string, byte[]>
        {
            ["truncated.onnx"] = good[..(good.Length / 2)],
            ["truncated-early.onnx"] = good[..100],
            ["random.onnx"] = random,
            ["empty.onnx"] = Array.Empty<byte>(),
        };
        foreach (var (name, bytes) in cases)
        {
            var path = dir.File(name);
            File.WriteAllBytes(path, bytes);
            var e = Assert.Throws<ResNet.MLNet.InvalidInputException>(() => new OnnxScorer(path));
            Assert.Contains(path, e.Message);
            var fromBytes = Assert.Throws<ResNet.MLNet.InvalidInputException>(() => new OnnxScorer(bytes));
            Assert.Contains("(in-memory model)", fromBytes.Message);
        }

        // seeded single-byte mutations: every one loads and scores, or fails with InvalidInputException
        var mutations = new Random(17);
        int rejected = 0, loaded = 0;
        var pixels = OnnxTestModels.RandomPixels(3 * 32 * 32, seed: 1);
        for (int i = 0; i < 60; i++)
        {
            var bytes = (byte[])good.Clone();
            // mutate the structure, not only weights: the first and last 4 KiB hold the graph's nodes and value infos
            int at = mutations.Next(2) == 0 ? mutations.Next(Math.Min(4096, bytes.Length)) : bytes.Length - 1 - mutations.Next(Math.Min(4096, bytes.Length));
            bytes[at] ^= (byte)(1 + mutations.Next(255));
            try
            {
                using var scorer = new OnnxScorer(bytes);
                if (scorer.InputSize == 3 * 32 * 32) scorer.Run(pixels, 1);
                loaded++;
            }
            catch (ResNet.MLNet.InvalidInputException) { rejected++; }
        }
        Console.WriteLine($"byte mutations of an exported model: {loaded} loaded, {rejected} rejected with a managed exception");

        var wrongSize = Assert.Throws<ArgumentException>(() => new OnnxScorer(good).Run(new float[10], 1));
        Assert.Contains("3×32×32", wrongSize.Message);
    }
}

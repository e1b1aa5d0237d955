using ResNet.MLNet.Export;
using ResNet.MLNet.Models;
using ResNet.MLNet.Models.Classic;
using ResNet.MLNet.Scoring;
using ResNet.MLNet.Tests.Support;
using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Modules;

namespace ResNet.MLNet.Tests.Export;

/// <summary>
/// Every family of the zoo exported to ONNX: Debian's onnx checker accepts the file (full_check), and ONNX Runtime's
/// logits, probabilities and predicted index equal libtorch's evaluation-mode output for the same input, with random
/// BN statistics so that folding is exercised. The most expensive members of a family (ResNet-101/152, WRN-50-2,
/// ResNet-34) are built from their zoo spec with one unit per stage: the same unit, stem and shortcut code, fewer
/// repeats.
/// </summary>
public class OnnxExportParityTests
{
    private sealed record Case(Func<Module> Build, int Channels, int Size, bool EveryBatchNormFollowsAConv);

    private static ResNet.MLNet.Models.ResNet Zoo(ResNetArchitecture a) => ResNetZoo.Create(a, numClasses: 10);

    private static ResNet.MLNet.Models.ResNet Spec(ResNetSpec spec) => ResNetBuilder.Build(spec with { NumClasses = 10 });

    private static ResNet.MLNet.Models.ResNet OnePerStage(ResNetArchitecture a)
    {
        var spec = ResNetZoo.Spec(a, numClasses: 10);
        return ResNetBuilder.Build(spec with { Depths = spec.Depths.Select(_ => 1).ToArray() });
    }

    private static readonly Dictionary<string, Case> Cases = new()
    {
        // ImageNet family (option B projections), 3×64×64
        ["resnet18"] = new(() => Zoo(ResNetArchitecture.ResNet18), 3, 64, true),
        ["resnet34 (1 unit/stage)"] = new(() => OnePerStage(ResNetArchitecture.ResNet34), 3, 64, true),
        ["resnet50"] = new(() => Zoo(ResNetArchitecture.ResNet50), 3, 64, true),
        ["resnet101 (1 unit/stage)"] = new(() => OnePerStage(ResNetArchitecture.ResNet101), 3, 64, true),
        ["resnet152 (1 unit/stage)"] = new(() => OnePerStage(ResNetArchitecture.ResNet152), 3, 64, true),
        ["wide_resnet50_2 (1 unit/stage)"] = new(() => OnePerStage(ResNetArchitecture.WideResNet50_2), 3, 64, true),
        ["resnext50_32x4d"] = new(() => Zoo(ResNetArchitecture.ResNeXt50_32x4d), 3, 64, true),
        ["resnet50c"] = new(() => Zoo(ResNetArchitecture.ResNet50C), 3, 64, true),
        // 80 px leaves odd feature maps (5×5), so the ceil-mode average pool of ResNet-D has partial windows
        ["resnet50d"] = new(() => Zoo(ResNetArchitecture.ResNet50D), 3, 80, true),
        ["resnet50-A (stride in 1×1, 1 unit/stage)"] = new(() => Spec(ResNetZoo.Spec(ResNetArchitecture.ResNet50) with { StrideInReduction = true, Depths = new[] { 1, 1, 1, 1 } }), 3, 64, true),
        ["plain18"] = new(() => Zoo(ResNetArchitecture.Plain18), 3, 64, true),
        ["plain34 (1 unit/stage)"] = new(() => OnePerStage(ResNetArchitecture.Plain34), 3, 64, true),
        // CIFAR family: option A (zero-pad), option B, plain, pre-activation, Fig. 4 unit variants, WRN
        ["resnet20 (option A)"] = new(() => Zoo(ResNetArchitecture.ResNet20), 3, 32, true),
        ["resnet20 gray 28 px"] = new(() => ResNetZoo.Create(ResNetArchitecture.ResNet20, 10, 1), 1, 28, true),
        ["resnet20 (option B)"] = new(() => Spec(ResNetZoo.Spec(ResNetArchitecture.ResNet20) with { Shortcut = ShortcutKind.Projection }), 3, 32, true),
        ["resnet20-D shortcuts"] = new(() => Spec(ResNetZoo.Spec(ResNetArchitecture.ResNet20) with { Shortcut = ShortcutKind.AvgPoolProjection }), 3, 28, true),
        ["resnet32"] = new(() => Zoo(ResNetArchitecture.ResNet32), 3, 32, true),
        ["plain20"] = new(() => ResNetZoo.Create(ResNetArchitecture.Plain20, 10, 1), 1, 28, true),
        ["preact-resnet110"] = new(() => Zoo(ResNetArchitecture.PreActResNet110), 3, 32, false),
        ["preact-resnet164"] = new(() => Zoo(ResNetArchitecture.PreActResNet164), 3, 32, false),
        ["wrn-16-4"] = new(() => Zoo(ResNetArchitecture.WideResNet16_4), 3, 32, false),
        ["wrn-16-4 dropout"] = new(() => Spec(ResNetZoo.WideResNet(16, 4, dropRate: 0.3)), 3, 32, false),
        ["wrn-28-10 (1 unit/stage)"] = new(() => OnePerStage(ResNetArchitecture.WideResNet28_10), 3, 32, false),
        ["unit: BN after addition"] = new(() => Spec(ResNetZoo.Spec(ResNetArchitecture.ResNet20) with { Unit = UnitKind.BnAfterAddition }), 3, 32, false),
        ["unit: ReLU before addition"] = new(() => Spec(ResNetZoo.Spec(ResNetArchitecture.ResNet20) with { Unit = UnitKind.ReluBeforeAddition }), 3, 32, true),
        ["unit: ReLU-only pre-activation"] = new(() => Spec(ResNetZoo.Spec(ResNetArchitecture.ResNet20) with { Unit = UnitKind.ReluOnlyPreActivation }), 3, 32, true),
        // without shortcuts every pre-activation BN reads the previous convolution alone, so all fold
        ["unit: full pre-activation, plain"] = new(() => Spec(ResNetZoo.CifarPreActivation(20) with { Plain = true }), 3, 32, true),
        ["unit: BN after addition, bottleneck"] = new(() => Spec(ResNetZoo.CifarPreActivation(164) with { Unit = UnitKind.BnAfterAddition, Depths = new[] { 2, 2, 2 } }), 3, 32, false),
        // classic networks
        ["lenet5"] = new(() => ClassicNetBuilder.Build(ClassicZoo.LeNet5()), 1, 28, true),
        ["alexnet-small (4×4 → 2×2 pool)"] = new(() => ClassicNetBuilder.Build(ClassicZoo.AlexNetSmall()), 1, 40, true),
        ["vgg-small"] = new(() => ClassicNetBuilder.Build(ClassicZoo.VggSmall()), 1, 28, true),
        ["vgg-small (2×2 → 3×3 adaptive pool)"] = new(() => ClassicNetBuilder.Build(ClassicZoo.VggSmall()), 1, 20, true),
    };

    public static TheoryData<string> CaseNames() => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void ExportPassesTheCheckerAndMatchesLibtorch(string name)
    {
        var c = Cases[name];
        const int batch = 2;
        TorchRuntime.ManualSeed(7);
        using var model = c.Build();
        OnnxTestModels.RandomiseBatchNorms(model);
        int batchNorms = model.NamedModules().Count(m => m.Value is BatchNorm2d);
        var pixels = OnnxTestModels.RandomPixels(batch * c.Channels * c.Size * c.Size, seed: 11);
        var (logits, probabilities) = OnnxTestModels.EvalForward(model, pixels, batch, c.Channels, c.Size, c.Size);
        int classes = logits.Length / batch;

        using var dir = new TempDir();
        var path = dir.File("model.onnx");
        OnnxExporter.Export(model, new OnnxExportOptions
        {
            Channels = c.Channels, Height = c.Size, Width = c.Size, LogitsName = "logits", PredictedIndexName = "index",
        }, path);

        var report = OnnxChecker.Check(path);
        Assert.Equal(8, report.GetProperty("ir_version").GetInt32());
        Assert.Equal(13, report.GetProperty("opsets").GetProperty("ai.onnx").GetInt32());
        int remaining = OnnxChecker.Count(report, "BatchNormalization");
        if (c.EveryBatchNormFollowsAConv) Assert.Equal(0, remaining);
        else Assert.InRange(remaining, 1, batchNorms - 1);

        using var scorer = new OnnxScorer(path, new OnnxScorerOptions { OutputName = "logits", IntraOpThreads = 2 });
        Assert.Equal(new long[] { -1, c.Channels, c.Size, c.Size }, scorer.InputShape);
        Assert.Equal(new[] { "logits", "probabilities", "index" }, scorer.OutputNames);
        var ortLogits = scorer.Run(pixels, batch);
        double error = Compare.RelativeError(ortLogits, logits);
        Assert.True(error <= 1e-4, $"{name}: ONNX Runtime logits differ from libtorch's by {error:E3} (relative)");
        using var probabilityScorer = new OnnxScorer(path, new OnnxScorerOptions { IntraOpThreads = 2 });
        Assert.Equal("probabilities", probabilityScorer.OutputName);
        error = Compare.RelativeError(probabilityScorer.Run(pixels, batch), probabilities);
        Assert.True(error <= 1e-4, $"{name}: ONNX Runtime probabilities differ from libtorch's by {error:E3} (relative)");
        Assert.Equal(classes, probabilityScorer.OutputSize);
    }

    [Fact]
    public void UnfoldedExportKeepsEveryBatchNormAndGivesTheSameLogits()
    {
        TorchRuntime.ManualSeed(3);
        using var model = ResNetZoo.Create(ResNetArchitecture.ResNet20, 10, 3);
        OnnxTestModels.RandomiseBatchNorms(model);
        var pixels = OnnxTestModels.RandomPixels(3 * 3 * 32 * 32, seed: 5);
        var (logits, _) = OnnxTestModels.EvalForward(model, pixels, 3, 3, 32, 32);
        using var dir = new TempDir();
        var options = new OnnxExportOptions { Channels = 3, Height = 32, Width = 32, LogitsName = "logits", ProbabilitiesName = null, FoldBatchNorm = false };
        OnnxExporter.Export(model, options, dir.File("unfolded.onnx"));
        var report = OnnxChecker.Check(dir.File("unfolded.onnx"));
        Assert.Equal(model.NamedModules().Count(m => m.Value is BatchNorm2d), OnnxChecker.Count(report, "BatchNormalization"));
        using var scorer = new OnnxScorer(dir.File("unfolded.onnx"));
        Assert.True(Compare.RelativeError(scorer.Run(pixels, 3), logits) <= 1e-4);
    }
}

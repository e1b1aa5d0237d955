using ResNet.MLNet.Models;
using ResNet.MLNet.Models.Pretrained;
using ResNet.MLNet.Tests.Support;
using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Serialization;

namespace ResNet.MLNet.Tests.Models.Pretrained;

/// <summary>Loading torchvision-layout weights into zoo networks: head policies, renames, reports, errors.</summary>
[Collection(PthCollection.Name)]
public class PretrainedWeightsTests
{
    private readonly PthReferenceFixture _ref;

    public PretrainedWeightsTests(PthReferenceFixture reference) => _ref = reference;

    private static float[] Values(ResNet.MLNet.Torch.Modules.Module net, string key) => net.StateDict().First(kv => kv.Key == key).Value.ToArray<float>();

    [Fact]
    public void ANewClassCountKeepsAFreshHeadAndLoadsTheRest()
    {
        using var fresh = ResNetZoo.Create(ResNetArchitecture.ResNet18, numClasses: 10);
        using var net = PretrainedWeights.Create("resnet18", _ref.File("resnet18.pth"), out var report, numClasses: 10);
        Assert.Equal(new[] { "fc.weight [10, 512]", "fc.bias [10]" }, report.SkippedHead.Select(k => k.ToString()));
        Assert.True(report.IsComplete, report.ToString());
        Assert.Equal(net.StateDict().Count - 2, report.Loaded.Count);
        var checkpoint = PyTorchCheckpoint.Load(_ref.File("resnet18.pth"));
        try
        {
            Assert.Equal(checkpoint["layer4.1.conv2.weight"].ToArray<float>(), Values(net, "layer4.1.conv2.weight"));
        }
        finally
        {
            foreach (var t in checkpoint.Values) t.Dispose();
        }
        Assert.Contains("fc.weight [10, 512]", report.ToString());
    }

    [Fact]
    public void LoadingTheHeadReportsTheMismatchAndStrictRefusesWithoutChangingTheModel()
    {
        using var net = ResNetZoo.Create(ResNetArchitecture.ResNet18, numClasses: 10);
        var report = PretrainedWeights.LoadInto(net, _ref.File("resnet18.pth"), new PretrainedLoadOptions { ClassifierHead = ClassifierHeadPolicy.Load });
        Assert.Equal("fc.weight: checkpoint [1000, 512], model [10, 512]", report.Mismatched[0].ToString());
        Assert.Equal(2, report.Mismatched.Count);
        Assert.False(report.IsComplete);

        using var other = ResNetZoo.Create(ResNetArchitecture.ResNet18, numClasses: 10);
        var before = Values(other, "conv1.weight");
        var e = Assert.Throws<InvalidDataException>(() => PretrainedWeights.LoadInto(other, _ref.File("resnet18.pth"),
            new PretrainedLoadOptions { ClassifierHead = ClassifierHeadPolicy.Load, Strict = true }));
        Assert.Contains(_ref.File("resnet18.pth"), e.Message);
        Assert.Contains("mis-shaped: fc.weight: checkpoint [1000, 512], model [10, 512]", e.Message);
        Assert.Equal(before, Values(other, "conv1.weight"));
    }

    [Fact]
    public void MissingAndUnexpectedKeysAreListedWithShapes()
    {
        using var net = ResNetZoo.Create(ResNetArchitecture.ResNet34);
        var report = PretrainedWeights.LoadInto(net, _ref.File("resnet18.pth"));
        Assert.Contains(report.Missing, k => k.ToString() == "layer1.2.conv1.weight [64, 64, 3, 3]");
        Assert.Empty(report.Unexpected);   // resnet18's blocks all exist in resnet34
        Assert.Contains("missing: layer1.2.conv1.weight [64, 64, 3, 3]", report.ToString());

        using var r20 = ResNetZoo.Create(ResNetArchitecture.ResNet20);
        report = PretrainedWeights.LoadInto(r20, _ref.File("resnet18.pth"));
        Assert.Contains(report.Unexpected, k => k.ToString() == "layer4.0.conv1.weight [512, 256, 3, 3]");
        Assert.Contains(report.Mismatched, m => m.ToString() == "conv1.weight: checkpoint [64, 3, 7, 7], model [16, 3, 3, 3]");
    }

    [Fact]
    public void WrapperPrefixesAndHeadAliasesAreMapped()
    {
        using var dir = new TempDir();
        var state = SafeTensors.Load(_ref.File("resnet18.safetensors"));
        try
        {
            // DataParallel's "module." on the body, timm's newer "head.fc" on the classifier.
            var renamed = state.ToDictionary(kv => kv.Key.StartsWith("fc.") ? "head." + kv.Key : "module." + kv.Key, kv => kv.Value);
            SafeTensors.Save(dir.File("wrapped.bin"), renamed);  // content, not the extension, tells the format
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
        using var net = PretrainedWeights.Create(ResNetArchitecture.ResNet18, dir.File("wrapped.bin"), out var report);
        Assert.True(report.IsComplete, report.ToString());
        Assert.Contains(report.Renamed, r => r.ToString() == "module.conv1.weight → conv1.weight");
        Assert.Contains(report.Renamed, r => r.ToString() == "head.fc.weight → fc.weight");
    }

    [Fact]
    public void NothingMatchingIsAnError()
    {
        using var dir = new TempDir();
        using (var scope = TensorScope.Begin())
            SafeTensors.Save(dir.File("other.safetensors"), new Dictionary<string, Tensor> { ["encoder.proj.weight"] = Tensor.Zeros(new long[] { 4, 4 }) });
        using var net = ResNetZoo.Create(ResNetArchitecture.ResNet18);
        var e = Assert.Throws<InvalidDataException>(() => PretrainedWeights.LoadInto(net, dir.File("other.safetensors")));
        Assert.StartsWith(dir.File("other.safetensors") + ": none of its 1 keys matches the model's", e.Message);
        Assert.Contains("'encoder.proj.weight'", e.Message);
        File.WriteAllText(dir.File("x.txt"), "not weights");
        Assert.Contains("neither a safetensors file nor a PyTorch state dict", Assert.Throws<InvalidDataException>(() => PretrainedWeights.ReadTensors(dir.File("x.txt"))).Message);
    }

    [Fact]
    public void GrayscaleInputSumsTheRgbFilters()
    {
        using var net = PretrainedWeights.Create(ResNetArchitecture.ResNet18, _ref.File("resnet18.pth"), out var report, numClasses: 5, inChannels: 1);
        Assert.Equal("conv1.weight: checkpoint [64, 3, 7, 7], model [64, 1, 7, 7]", Assert.Single(report.AdaptedInputChannels).ToString());
        var checkpoint = PyTorchCheckpoint.Load(_ref.File("resnet18.pth"));
        try
        {
            var rgb = checkpoint["conv1.weight"].ToArray<float>();
            var gray = Values(net, "conv1.weight");
            for (int o = 0; o < 64; o++)
                for (int i = 0; i < 49; i++)
                    Assert.Equal(rgb[(o * 3) * 49 + i] + rgb[(o * 3 + 1) * 49 + i] + rgb[(o * 3 + 2) * 49 + i], gray[o * 49 + i], 5);
        }
        finally
        {
            foreach (var t in checkpoint.Values) t.Dispose();
        }
    }
}

using System.Text.Json;
using ResNet.MLNet.Models;
using ResNet.MLNet.Tests.Support;
using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Modules;
using ResNet.MLNet.Torch.Optim;
using ResNet.MLNet.Torch.Serialization;

namespace ResNet.MLNet.Tests.Models;

/// <summary>Structure and numbers of our zoo against torchvision / PyTorch run at test time.</summary>
public class TorchvisionParityTests
{
    private static Dictionary<string, ModelStructure> References(params string[] specs)
    {
        using var doc = JsonDocument.Parse(PythonReference.Run("state_keys.py", specs));
        return doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => ModelStructure.Parse(p.Value));
    }

    [Theory]
    [InlineData(ResNetArchitecture.ResNet18, 11_689_512)]
    [InlineData(ResNetArchitecture.ResNet34, 21_797_672)]
    [InlineData(ResNetArchitecture.ResNet50, 25_557_032)]
    [InlineData(ResNetArchitecture.ResNet101, 44_549_160)]
    [InlineData(ResNetArchitecture.ResNet152, 60_192_808)]
    public void ImageNetModelsEqualTorchvision(ResNetArchitecture architecture, long publishedCount)
    {
        using var net = ResNetZoo.Create(architecture);
        var name = ResNetZoo.Spec(architecture).Name;
        var reference = References(name)[name];
        Assert.Equal(publishedCount, reference.Parameters);
        reference.AssertSameAs(net);
    }

    [Theory]
    [InlineData(ResNetArchitecture.ResNet20, "A")]
    [InlineData(ResNetArchitecture.ResNet56, "A")]
    [InlineData(ResNetArchitecture.ResNet110, "A")]
    [InlineData(ResNetArchitecture.ResNet20, "B")]
    public void CifarModelsEqualThePyTorchDefinition(ResNetArchitecture architecture, string option)
    {
        var spec = ResNetZoo.Spec(architecture) with { Shortcut = option == "A" ? ShortcutKind.ZeroPad : ShortcutKind.Projection };
        using var net = ResNetBuilder.Build(spec);
        var key = $"{spec.Name}:10:3:{option}";
        References(key)[key].AssertSameAs(net);
    }

    [Fact]
    public void CifarParameterCountsAreThePapers()
    {
        // The paper reports 0.27M and 0.85M parameters for ResNet-20 and ResNet-56.
        using var r20 = ResNetZoo.Create(ResNetArchitecture.ResNet20);
        using var r56 = ResNetZoo.Create(ResNetArchitecture.ResNet56);
        Assert.Equal(0.27, r20.ParameterCount / 1e6, 2);
        Assert.Equal(0.85, r56.ParameterCount / 1e6, 2);
        Assert.Equal(20, r20.Spec.WeightedLayers);
        Assert.Equal(56, r56.Spec.WeightedLayers);
    }

    [Fact]
    public void AnyChannelAndClassCount()
    {
        using var net = ResNetZoo.Create(ResNetArchitecture.ResNet18, numClasses: 7, inChannels: 1);
        var reference = References("resnet18:7:1")["resnet18:7:1"];
        reference.AssertSameAs(net);
        using var scope = TensorScope.Begin();
        net.Eval();
        Assert.Equal(new long[] { 2, 7 }, net.Forward(Tensor.Randn(new long[] { 2, 1, 64, 64 })).Shape);
    }

    [Theory]
    [InlineData("resnet18", 3, 112)]
    [InlineData("resnet50", 2, 96)]
    [InlineData("resnet20", 4, 28)]
    public void SameWeightsGiveTheSameOutputsGradientsAndStatistics(string name, int batch, int size)
    {
        bool cifar = name == "resnet20";
        int classes = cifar ? 10 : 1000, channels = cifar ? 1 : 3;
        using var dir = new TempDir();
        PythonReference.Run("parity.py", name, classes.ToString(), channels.ToString(), batch.ToString(), size.ToString(), "A", dir.Path);

        using var net = ResNetZoo.Create(ResNetZoo.Parse(name), classes, channels);
        SafeTensors.LoadInto(net, dir.File("weights.safetensors"));
        var expected = SafeTensors.Load(dir.File("expected.safetensors"));
        try
        {
            using var scope = TensorScope.Begin();
            var x = expected["x"];
            var y = expected["y"];

            net.Eval();
            using (Autograd.InferenceMode())
                Compare.Close(net.Forward(x), expected["eval_out"], 1e-4, "eval output");

            net.Train();
            var loss = F.CrossEntropy(net.Forward(x), y, labelSmoothing: 0.1);
            loss.Backward();
            var conv1 = net.NamedParameters().First(p => p.Key == "conv1.weight").Value;
            Compare.Close(loss.Reshape(1), expected["loss"], 1e-3, "loss");
            Compare.Close(conv1.Grad!, expected["grad.conv1.weight"], 1e-3, "grad conv1.weight");
            Compare.Close(net.Fc.Weight.Grad!, expected["grad.fc.weight"], 1e-3, "grad fc.weight");
            int statistics = 0;
            foreach (var (key, buffer) in net.NamedBuffers())
            {
                Compare.Close(buffer, expected["state." + key], 1e-3, key);
                statistics++;
            }
            Assert.True(statistics > 10);

            using var sgd = new Sgd(net.Parameters(), new SgdOptions { LearningRate = 0.1, Momentum = 0.9, Nesterov = true, WeightDecay = 5e-4 });
            sgd.Step();
            Compare.Close(conv1, expected["step.conv1.weight"], 1e-3, "conv1.weight after one SGD step");
            Compare.Close(net.Fc.Weight, expected["step.fc.weight"], 1e-3, "fc.weight after one SGD step");
        }
        finally
        {
            foreach (var t in expected.Values) t.Dispose();
        }
    }
}

using ResNet.MLNet.Data.Idx;
using ResNet.MLNet.Engine;
using ResNet.MLNet.Models;
using ResNet.MLNet.Tests.Support;
using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Optim;
using ResNet.MLNet.Torch.Serialization;

namespace ResNet.MLNet.Tests.Engine;

/// <summary>bf16 mixed precision: our training step equals PyTorch's torch.autocast("cpu", bfloat16) step, and the
/// autocast state never outlives the step.</summary>
public class MixedPrecisionTests
{
    // Without AVX512_BF16 the option must be refused by name instead (checked in BFloat16IsRefusedWithoutAvx512Bf16).
    private static bool CpuHasBf16 => Autocast.CpuSupportsBFloat16;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Bf16StepEqualsTorchAutocastStep(bool channelsLast)
    {
        if (!CpuHasBf16) return;
        using var dir = new TempDir();
        PythonReference.Run("autocast_step.py", "32", channelsLast ? "channels_last" : "nchw", dir.Path);
        using var net = ResNetZoo.Create(ResNetArchitecture.ResNet20, numClasses: 10, inChannels: 1);
        SafeTensors.LoadInto(net, dir.File("weights.safetensors"));
        var expected = SafeTensors.Load(dir.File("expected.safetensors"));
        try
        {
            using var scope = TensorScope.Begin();
            var before = net.NamedParameters().ToDictionary(p => p.Key, p => p.Value.Detach().Clone());
            net.Train();
            if (channelsLast) net.ToChannelsLast();
            using var sgd = new Sgd(net.Parameters(), new SgdOptions { LearningRate = 0.1, Momentum = 0.9, Nesterov = true, WeightDecay = 5e-4 });
            var step = new TrainingStep(net, sgd, Device.Cpu, channelsLast, precision: TrainingPrecision.BFloat16);
            var (loss, logits) = step.Run(expected["x"], expected["y"], 0.1);

            Assert.Equal(DType.Float32, loss.DType);
            // In NCHW both sides run the same oneDNN bf16 kernels in the same order: equal to far below a bf16 ulp
            // (2^-8 = 0.4 %). Channels-last kernels split work by thread differently, and bf16 rounding of single
            // activations then accumulates: PyTorch's own channels-last bf16 gradients move by 16-31 % of their largest
            // entry between 1 and 2 threads (and 20-44 % from fp32), so there only the forward, the classifier's
            // gradient and a bound at that spread are checked.
            double forward = channelsLast ? 3e-2 : 1e-4, gradients = channelsLast ? 0.35 : 1e-3;
            Compare.Close(loss.Reshape(1), expected["loss"], forward, "loss");
            Compare.Close(logits, expected["logits"], forward, "logits");
            var parameters = net.NamedParameters().ToDictionary(p => p.Key, p => p.Value);
            Compare.Close(parameters["fc.weight"].Grad!, expected["grad.fc.weight"], channelsLast ? 2e-2 : 1e-3, "grad fc.weight");
            foreach (var (name, parameter) in parameters)
            {
                Assert.Equal(DType.Float32, parameter.DType); // master weights and their gradients stay fp32
                Compare.Close(parameter.Grad!, expected["grad." + name], gradients, "grad " + name);
            }
            foreach (var name in new[] { "conv1.weight", "fc.weight", "layer3.2.conv2.weight" })
                // The update itself (after - before), not the weights, so that the tolerance means something.
                Compare.Close(parameters[name].Sub(before[name]), expected["step." + name].Sub(before[name]), gradients, "update of " + name);
        }
        finally
        {
            foreach (var t in expected.Values) t.Dispose();
        }
    }

    [Fact]
    public void AutocastDoesNotLeakIntoScoring()
    {
        if (!CpuHasBf16) return;
        var (trainImages, testImages, _, _) = FashionMnist.LoadNormalized(trainSubset: 256, testSubset: 64);
        using (var train = InMemoryTrainingData.From(trainImages))
        using (var test = InMemoryTrainingData.From(testImages))
        {
            TorchRuntime.ManualSeed(3);
            using var model = ResNetZoo.Create(ResNetArchitecture.ResNet20, numClasses: 10, inChannels: 1);
            new Trainer(model, new TrainerOptions { Epochs = 1, BatchSize = 64, Precision = TrainingPrecision.BFloat16 }).Fit(train);
            Assert.False(Autocast.IsEnabled(Device.Cpu));
            using var scope = TensorScope.Begin();
            var x = Tensor.Randn(new long[] { 4, 1, 28, 28 });
            var logits = model.Forward(x);
            Assert.Equal(DType.Float32, logits.DType);
            // The same forward in fp32 by hand: every conv weight stays fp32 and is not a stale bf16 cache entry.
            Assert.All(model.Parameters(), p => Assert.Equal(DType.Float32, p.DType));
            using (Autocast.Enter(Device.Cpu))
                Assert.Equal(DType.BFloat16, model.Forward(x).DType);
            Assert.False(Autocast.IsEnabled(Device.Cpu));
            Compare.Close(model.Forward(x), logits, 0, "fp32 logits after an autocast region");
        }
    }

    [Fact]
    public void BFloat16IsRefusedWithoutAvx512Bf16()
    {
        using var net = ResNetZoo.Create(ResNetArchitecture.ResNet20, numClasses: 10, inChannels: 1);
        using var sgd = new Sgd(net.Parameters(), new SgdOptions());
        if (CpuHasBf16)
            Assert.Equal(TrainingPrecision.BFloat16, new TrainingStep(net, sgd, Device.Cpu, true, precision: TrainingPrecision.BFloat16).Precision);
        else
            Assert.Contains("AVX512_BF16", Assert.Throws<NotSupportedException>(() => new TrainingStep(net, sgd, Device.Cpu, true, precision: TrainingPrecision.BFloat16)).Message);
    }

    [Fact]
    public void CpuAutocastRefusesFloat16WithAClearMessage()
    {
        var e = Assert.Throws<TorchException>(() => Autocast.Enter(Device.Cpu, DType.Float16));
        Assert.Contains("BFloat16", e.Message);
        Assert.False(Autocast.IsEnabled(Device.Cpu));
    }
}

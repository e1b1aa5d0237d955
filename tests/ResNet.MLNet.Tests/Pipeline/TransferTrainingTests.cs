using ResNet.MLNet.Engine;
using ResNet.MLNet.Models;
using ResNet.MLNet.Tests.Support;
using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Serialization;

namespace ResNet.MLNet.Tests.Pipeline;

/// <summary>The trainer's transfer-learning settings (a lower backbone learning rate, a frozen backbone, frozen BN
/// statistics) against torch.optim.SGD with parameter groups on the same ResNet-20, weights and batch.</summary>
public class TransferTrainingTests
{
    private const double LearningRate = 0.1, WeightDecay = 5e-4;
    private const int Batch = 16;

    /// <summary>Runs one trainer step (one epoch of one full batch) and the PyTorch reference from the same start;
    /// returns the state before, ours after and PyTorch's after.</summary>
    private static (Dictionary<string, float[]> Before, Dictionary<string, float[]> Ours, Dictionary<string, Tensor> Torch) OneStep(
        double backboneScale, bool freezeBn)
    {
        using var dir = new TempDir();
        using var scope = TensorScope.Begin();
        TorchRuntime.ManualSeed(11);
        using var model = ResNetZoo.Create(ResNetArchitecture.ResNet20, numClasses: 4, inChannels: 1);
        var x = Tensor.Randn(new long[] { Batch, 1, 8, 8 });
        var y = Tensor.RandInt(0, 4, new long[] { Batch });
        SafeTensors.Save(dir.File("state.safetensors"), model.StateDict());
        SafeTensors.Save(dir.File("batch.safetensors"), new Dictionary<string, Tensor> { ["x"] = x, ["y"] = y });
        var before = Snapshot(model);

        using var data = new InMemoryTrainingData(x.Clone(), y.Clone(), new[] { "a", "b", "c", "d" });
        new Trainer(model, new TrainerOptions
        {
            Epochs = 1, BatchSize = Batch, LearningRate = LearningRate, Schedule = LearningRateSchedule.Constant, WeightDecay = WeightDecay,
            BackboneLearningRateScale = backboneScale, FreezeBatchNormStatistics = freezeBn, ChannelsLast = false,
        }).Fit(data);

        PythonReference.Run("finetune_step.py", dir.File("state.safetensors"), dir.File("batch.safetensors"), dir.File("out.safetensors"),
            LearningRate.ToString("R"), backboneScale.ToString("R"), WeightDecay.ToString("R"), freezeBn ? "1" : "0");
        return (before, Snapshot(model), SafeTensors.Load(dir.File("out.safetensors")));
    }

    private static Dictionary<string, float[]> Snapshot(ResNet.MLNet.Models.ResNet model) => model.StateDict()
        .Where(kv => kv.Value.DType == DType.Float32).ToDictionary(kv => kv.Key, kv => kv.Value.ToArray<float>());

    private static double Distance(float[] a, float[] b) => Math.Sqrt(a.Zip(b, (p, q) => (double)(p - q) * (p - q)).Sum());

    [Fact]
    public void LowerBackboneRateEqualsTorchParameterGroups()
    {
        var (before, ours, torch) = OneStep(backboneScale: 0.1, freezeBn: false);
        try
        {
            foreach (var (name, value) in ours)
            {
                var expected = torch[name].ToArray<float>();
                var err = Compare.RelativeError(Subtract(value, before[name]), Subtract(expected, before[name]));
                Assert.True(err <= 2e-3, $"{name}: the step differs from PyTorch's by {err:E2} (relative to the step)");
                Assert.True(Compare.RelativeError(value, expected) <= 1e-4, $"{name}: differs from PyTorch after the step");
            }
            // The groups really differ: the head moved at the full rate, the backbone at a tenth.
            Assert.True(Distance(ours["fc.weight"], before["fc.weight"]) > 0);
            Assert.True(Distance(ours["conv1.weight"], before["conv1.weight"]) > 0);
        }
        finally { foreach (var t in torch.Values) t.Dispose(); }
    }

    [Fact]
    public void FrozenBackboneKeepsEveryBackboneValueBitForBitAndMovesTheHeadAsTorchDoes()
    {
        var (before, ours, torch) = OneStep(backboneScale: 0, freezeBn: true);
        try
        {
            foreach (var (name, value) in ours.Where(kv => !kv.Key.StartsWith("fc.")))
                Assert.True(value.AsSpan().SequenceEqual(before[name]), $"{name} changed although the backbone is frozen");
            foreach (var name in new[] { "fc.weight", "fc.bias" })
            {
                Assert.True(Distance(ours[name], before[name]) > 1e-4, $"{name} did not move");
                Assert.True(Compare.RelativeError(ours[name], torch[name].ToArray<float>()) <= 1e-4, $"{name}: differs from PyTorch");
            }
        }
        finally { foreach (var t in torch.Values) t.Dispose(); }
    }

    private static float[] Subtract(float[] a, float[] b) => a.Zip(b, (p, q) => p - q).ToArray();
}

using ResNet.MLNet.Tests.Support;
using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Optim;
using ResNet.MLNet.Torch.Serialization;

namespace ResNet.MLNet.Tests.Engine;

/// <summary>Weight decay that spares BN and bias (1-D) parameters equals torch.optim.SGD with two parameter groups.</summary>
public class SgdDecayTests
{
    [Fact]
    public void NoDecayOnNormAndBiasEqualsTorchParameterGroups()
    {
        using var dir = new TempDir();
        using var scope = TensorScope.Begin();
        TorchRuntime.ManualSeed(5);
        var w = Tensor.Randn(new long[] { 4, 3 });
        var b = Tensor.Randn(new long[] { 4 });
        var gw = Tensor.Randn(new long[] { 4, 3 });
        var gb = Tensor.Randn(new long[] { 4 });
        SafeTensors.Save(dir.File("in.safetensors"), new Dictionary<string, Tensor> { ["w"] = w, ["b"] = b, ["gw"] = gw, ["gb"] = gb });
        PythonReference.Run("sgd_steps.py", dir.File("in.safetensors"), dir.File("out.safetensors"));

        w.RequiresGrad = true;
        b.RequiresGrad = true;
        using var sgd = new Sgd(new[] { w, b }, new SgdOptions { LearningRate = 0.1, Momentum = 0.9, Nesterov = true, WeightDecay = 0.01, NoDecayOnNormAndBias = true });
        for (int i = 0; i < 3; i++)
        {
            sgd.ZeroGrad();
            w.Mul(gw).Sum().Add(b.Mul(gb).Sum()).Backward();
            sgd.Step();
        }
        var expected = SafeTensors.Load(dir.File("out.safetensors"));
        Compare.Close(w, expected["w"], 1e-6, "decayed 2-D weight");
        Compare.Close(b, expected["b"], 1e-6, "undecayed bias");
        foreach (var t in expected.Values) t.Dispose();
    }
}

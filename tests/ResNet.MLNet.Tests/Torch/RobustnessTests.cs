using ResNet.MLNet.Models;
using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Modules;

namespace ResNet.MLNet.Tests.Torch;

/// <summary>Bad input raises managed exceptions naming the problem; native memory returns to its baseline.</summary>
public class RobustnessTests
{
    [Fact]
    public void WrongInputRankIsNamed()
    {
        using var net = ResNetZoo.Create(ResNetArchitecture.ResNet20, 10, 1);
        using var scope = TensorScope.Begin();
        var e = Assert.Throws<ArgumentException>(() => net.Forward(Tensor.Randn(new long[] { 1, 28, 28 })));
        Assert.Contains("4-D input", e.Message);
        Assert.Contains("[1, 28, 28]", e.Message);
    }

    [Fact]
    public void MismatchedChannelsAreNamed()
    {
        using var net = ResNetZoo.Create(ResNetArchitecture.ResNet18, 10, 3);
        using var scope = TensorScope.Begin();
        var e = Assert.Throws<ArgumentException>(() => net.Forward(Tensor.Randn(new long[] { 2, 1, 32, 32 })));
        Assert.Contains("3 input channel", e.Message);
        Assert.Contains("[2, 1, 32, 32]", e.Message);
    }

    [Fact]
    public void NativeShapeErrorsBecomeManagedExceptions()
    {
        using var scope = TensorScope.Begin();
        using var conv = new Conv2d(3, 8, 3);
        var e = Assert.Throws<TorchException>(() => conv.Forward(Tensor.Randn(new long[] { 1, 4, 8, 8 })));
        Assert.Contains("expects 3 input channels", e.Message);
        Assert.Contains("[1, 4, 8, 8]", e.Message);
        e = Assert.Throws<TorchException>(() => conv.Forward(Tensor.Randn(new long[] { 8, 8 })));
        Assert.Contains("4-D input", e.Message);
        using var fc = new Linear(5, 2);
        e = Assert.Throws<TorchException>(() => fc.Forward(Tensor.Randn(new long[] { 3, 4 })));
        Assert.Contains("5 input features", e.Message);
        using var bn = new BatchNorm2d(4);
        e = Assert.Throws<TorchException>(() => bn.Forward(Tensor.Randn(new long[] { 1, 4, 1, 1 })));
        Assert.Contains("more than one value per channel", e.Message);
        e = Assert.Throws<TorchException>(() => F.CrossEntropy(Tensor.Randn(new long[] { 3, 5 }), Tensor.FromArray(new long[] { 1, 2 })));
        Assert.Contains("targets of shape (3)", e.Message);
        e = Assert.Throws<TorchException>(() => F.CrossEntropy(Tensor.Randn(new long[] { 2, 5 }), Tensor.FromArray(new long[] { 1, 9 })));
        Assert.Contains("out of bounds", e.Message);
        // The process carries on and libtorch still works.
        Assert.Equal(new long[] { 1, 8, 6, 6 }, conv.Forward(Tensor.Randn(new long[] { 1, 3, 8, 8 })).Shape);
    }

    [Fact]
    public void TwentyTrainingStepsLeaveNoLiveTensors()
    {
        TorchRuntime.ManualSeed(1);
        using var net = ResNetZoo.Create(ResNetArchitecture.ResNet20, 10, 1);
        var parameters = net.Parameters();
        var losses = new List<double>();
        TorchRuntime.ManualSeed(2);
        using var x = Tensor.Randn(new long[] { 16, 1, 28, 28 }).DetachFromScope();
        using var y = Tensor.RandInt(0, 10, new long[] { 16 }).DetachFromScope();
        long baseline = TorchRuntime.LiveTensors;
        for (int step = 0; step < 20; step++)
        {
            using var scope = TensorScope.Begin();
            var loss = F.CrossEntropy(net.Forward(x), y);
            net.ZeroGrad();
            loss.Backward();
            using (Autograd.NoGrad())
            {
                foreach (var p in parameters)
                {
                    var g = p.Grad;
                    if (g != null) p.SubInPlace(g, 0.05);
                }
            }
            losses.Add(loss.Item());
        }
        net.ZeroGrad();
        Assert.Equal(baseline, TorchRuntime.LiveTensors);
        Assert.True(losses[^1] < losses[0] * 0.5, $"memorising one batch should cut the loss: {losses[0]:F3} -> {losses[^1]:F3}");
    }
}

using ResNet.MLNet.Torch;

namespace ResNet.MLNet.Tests.Torch;

public class TensorTests
{
    [Fact]
    public void RoundTripsFloatInt64AndUInt8()
    {
        using var scope = TensorScope.Begin();
        var f = Tensor.FromArray(new float[] { 1.5f, -2, 3, 4, 5, 6 }, 2, 3);
        Assert.Equal(new long[] { 2, 3 }, f.Shape);
        Assert.Equal(DType.Float32, f.DType);
        Assert.Equal(new float[] { 1.5f, -2, 3, 4, 5, 6 }, f.ToArray<float>());
        var l = Tensor.FromArray(new long[] { long.MaxValue, -7 });
        Assert.Equal(new[] { long.MaxValue, -7 }, l.ToArray<long>());
        var b = Tensor.FromArray(new byte[] { 0, 128, 255 });
        Assert.Equal(new byte[] { 0, 128, 255 }, b.ToArray<byte>());
        Assert.Equal(Device.Cpu, b.Device);
    }

    [Fact]
    public void ReadingWithTheWrongElementTypeIsAnError()
    {
        using var t = Tensor.Zeros(new long[] { 3 }).DetachFromScope();
        var e = Assert.Throws<InvalidOperationException>(() => t.ToArray<long>());
        Assert.Contains("Float32", e.Message);
    }

    [Fact]
    public void DataLengthMismatchNamesTheShape()
    {
        var e = Assert.Throws<TorchException>(() => Tensor.FromArray(new float[5], 2, 3));
        Assert.Contains("[2, 3]", e.Message);
    }

    [Fact]
    public void LibtorchErrorsArriveWithoutBacktrace()
    {
        using var scope = TensorScope.Begin();
        var a = Tensor.Zeros(new long[] { 2, 3 });
        var b = Tensor.Zeros(new long[] { 4, 5 });
        var e = Assert.Throws<TorchException>(() => a.Add(b));
        Assert.Contains("size of tensor", e.Message);
        Assert.DoesNotContain("frame #", e.Message);
        Assert.DoesNotContain("Exception raised from", e.Message);
    }

    [Fact]
    public void AutogradComputesTheGradientOfASquare()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray(new float[] { 1, -2, 3 });
        x.RequiresGrad = true;
        var y = (x * x).Sum();
        y.Backward();
        Assert.Equal(new float[] { 2, -4, 6 }, x.Grad!.ToArray<float>());
        using (Autograd.NoGrad())
        {
            Assert.False(Autograd.IsGradEnabled);
            Assert.False((x * x).RequiresGrad);
        }
        Assert.True(Autograd.IsGradEnabled);
        using (Autograd.InferenceMode()) Assert.False((x * 2).RequiresGrad);
    }

    [Fact]
    public void ScopeFreesIntermediatesButKeepsWhatIsMovedOut()
    {
        long baseline = TorchRuntime.LiveTensors;
        Tensor kept;
        using (var scope = TensorScope.Begin())
        {
            var a = Tensor.Ones(new long[] { 4 });
            var b = a * 3 + 1;
            kept = b.MoveToOuterScope();
            Assert.True(TorchRuntime.LiveTensors >= baseline + 3);
        }
        Assert.Equal(baseline + 1, TorchRuntime.LiveTensors);
        Assert.Equal(new float[] { 4, 4, 4, 4 }, kept.ToArray<float>());
        kept.Dispose();
        Assert.Equal(baseline, TorchRuntime.LiveTensors);
        Assert.Throws<ObjectDisposedException>(() => kept.Shape);
    }

    [Fact]
    public void ChannelsLastConversionKeepsValues()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.Randn(new long[] { 2, 3, 4, 5 });
        var cl = x.Contiguous(MemoryFormat.ChannelsLast);
        Assert.True(cl.IsContiguous(MemoryFormat.ChannelsLast));
        Assert.False(cl.IsContiguous());
        Assert.Equal(x.ToArray<float>(), cl.ToArray<float>());
    }

    [Fact]
    public void ManualSeedMakesRandomNumbersRepeatable()
    {
        using var scope = TensorScope.Begin();
        TorchRuntime.ManualSeed(7);
        var a = Tensor.Randn(new long[] { 8 }).ToArray<float>();
        TorchRuntime.ManualSeed(7);
        var b = Tensor.Randn(new long[] { 8 }).ToArray<float>();
        Assert.Equal(a, b);
    }

    [Fact]
    public void UsesAllCoresByDefault()
    {
        Assert.Equal(TorchRuntime.DefaultThreadCount, TorchRuntime.NumThreads);
    }

    [Fact]
    public void CudaPathIsSelectableAndFailsCleanlyWithoutAGpu()
    {
        Assert.Equal(Device.Cuda(1), Device.Parse("cuda:1"));
        Assert.Equal(Device.Cpu, Device.Parse("cpu"));
        if (TorchRuntime.CudaIsAvailable)
        {
            using var scope = TensorScope.Begin();
            var g = Tensor.Ones(new long[] { 3 }, device: Device.Cuda());
            Assert.Equal(DeviceType.Cuda, g.Device.Type);
            Assert.Equal(new float[] { 1, 1, 1 }, g.ToArray<float>());
            return;
        }
        Assert.Equal(0, TorchRuntime.CudaDeviceCount);
        Assert.Equal(Device.Cpu, Device.CudaIfAvailable);
        using var t = Tensor.Ones(new long[] { 3 }).DetachFromScope();
        var e = Assert.Throws<TorchException>(() => t.To(Device.Cuda()));
        Assert.Contains("CUDA", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void CrossEntropyWithLabelSmoothingMatchesItsDefinition()
    {
        // loss = (1 - s) * nll + s * mean over classes of -log p, computed here from log_softmax.
        using var scope = TensorScope.Begin();
        TorchRuntime.ManualSeed(3);
        var logits = Tensor.Randn(new long[] { 5, 4 });
        var target = Tensor.FromArray(new long[] { 0, 3, 1, 2, 3 });
        double s = 0.2;
        double loss = F.CrossEntropy(logits, target, labelSmoothing: s).Item();
        var logp = logits.LogSoftmax(1);
        double nll = F.NllLoss(logp, target).Item();
        double uniform = -logp.Mean().Item();
        Assert.Equal((1 - s) * nll + s * uniform, loss, 5);
    }
}

namespace ResNet.MLNet.Torch;

/// <summary>Weight initialisers (<c>torch.nn.init</c>), applied in place without autograd.</summary>
public static class Init
{
    [ThreadStatic] private static int _skipDepth;

    /// <summary>
    /// Until the returned scope is disposed, every initialiser on this thread leaves its tensor as it is
    /// (uninitialised memory, for a freshly built module) and draws nothing from the random generator: for a module
    /// built only to receive another one's state dict (<c>torch.nn.utils.skip_init</c>).
    /// </summary>
    public static IDisposable Skip()
    {
        _skipDepth++;
        return new SkipScope();
    }

    private sealed class SkipScope : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            _skipDepth--;
        }
    }

    /// <summary>Which fan Kaiming initialisation preserves.</summary>
    public enum FanMode
    {
        /// <summary>Preserve the variance of activations in the forward pass.</summary>
        FanIn,
        /// <summary>Preserve the variance of gradients in the backward pass (torchvision's choice for ResNet convs).</summary>
        FanOut,
    }

    /// <summary>(fan_in, fan_out) of a weight: dims 1 and 0 times the receptive field size.</summary>
    public static (long FanIn, long FanOut) Fans(long[] shape)
    {
        if (shape.Length < 2) throw new ArgumentException($"fan in and fan out need at least 2 dimensions, got shape [{string.Join(", ", shape)}]");
        long receptive = 1;
        for (int i = 2; i < shape.Length; i++) receptive *= shape[i];
        return (shape[1] * receptive, shape[0] * receptive);
    }

    /// <summary>Kaiming (He) normal initialisation for ReLU: N(0, 2 / fan).</summary>
    public static void KaimingNormal(Tensor weight, FanMode mode = FanMode.FanIn)
    {
        if (_skipDepth > 0) return;
        var (fanIn, fanOut) = Fans(weight.Shape);
        double fan = mode == FanMode.FanIn ? fanIn : fanOut;
        weight.NormalInPlace(0, Math.Sqrt(2.0) / Math.Sqrt(fan));
    }

    /// <summary>Kaiming uniform with negative slope <paramref name="a"/>, PyTorch's default for Conv2d and Linear weights.</summary>
    public static void KaimingUniform(Tensor weight, double a = 0)
    {
        if (_skipDepth > 0) return;
        var (fanIn, _) = Fans(weight.Shape);
        double gain = Math.Sqrt(2.0 / (1 + a * a));
        double bound = gain * Math.Sqrt(3.0 / fanIn);
        weight.UniformInPlace(-bound, bound);
    }

    /// <summary>PyTorch's default bias initialisation: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) of the weight's fan-in.</summary>
    public static void DefaultBias(Tensor bias, long[] weightShape)
    {
        if (_skipDepth > 0) return;
        var (fanIn, _) = Fans(weightShape);
        double bound = fanIn > 0 ? 1 / Math.Sqrt(fanIn) : 0;
        bias.UniformInPlace(-bound, bound);
    }

    /// <summary>N(mean, std).</summary>
    public static void Normal(Tensor t, double mean, double std)
    {
        if (_skipDepth == 0) t.NormalInPlace(mean, std);
    }

    /// <summary>A constant.</summary>
    public static void Constant(Tensor t, double value)
    {
        if (_skipDepth == 0) t.FillInPlace(value);
    }
}

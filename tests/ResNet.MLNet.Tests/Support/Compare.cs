using ResNet.MLNet.Torch;

namespace ResNet.MLNet.Tests.Support;

public static class Compare
{
    /// <summary>max |actual - expected| / max |expected| over all elements.</summary>
    public static double RelativeError(float[] actual, float[] expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double diff = 0, scale = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            diff = Math.Max(diff, Math.Abs((double)actual[i] - expected[i]));
            scale = Math.Max(scale, Math.Abs((double)expected[i]));
        }
        return scale == 0 ? diff : diff / scale;
    }

    public static void Close(Tensor actual, Tensor expected, double tolerance, string what)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        using var a = actual.To(DType.Float32).DetachFromScope();
        using var e = expected.To(DType.Float32).DetachFromScope();
        double err = RelativeError(a.ToArray<float>(), e.ToArray<float>());
        Assert.True(err <= tolerance, $"{what}: relative error {err:E3} exceeds {tolerance:E1}");
    }
}

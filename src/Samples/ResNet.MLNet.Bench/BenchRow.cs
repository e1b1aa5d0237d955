namespace ResNet.MLNet.Bench;

/// <summary>The measured result of one case: medians over the interleaved repetitions.</summary>
public sealed record BenchRow(string Name, string Title, int Batch, int Repetitions, double OursImagesPerSecond, double PyTorchImagesPerSecond)
{
    /// <summary>Ours ÷ PyTorch throughput (above 1: ours is faster).</summary>
    public double Ratio => OursImagesPerSecond / PyTorchImagesPerSecond;

    /// <summary>Median milliseconds per batch, ours.</summary>
    public double OursMillisecondsPerBatch => 1000.0 * Batch / OursImagesPerSecond;

    /// <summary>Median milliseconds per batch, PyTorch.</summary>
    public double PyTorchMillisecondsPerBatch => 1000.0 * Batch / PyTorchImagesPerSecond;

    /// <summary>The median of <paramref name="values"/>.</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}

namespace ResNet.MLNet.Bench;

/// <summary>Median and range of one side's throughput over the interleaved repetitions.</summary>
public sealed record Throughput(double Median, double Min, double Max)
{
    /// <summary>The median and range of <paramref name="imagesPerSecond"/>.</summary>
    public static Throughput Of(IReadOnlyList<double> imagesPerSecond) =>
        new(BenchRow.Median(imagesPerSecond), imagesPerSecond.Min(), imagesPerSecond.Max());

    /// <summary>"median (min–max)" for the table.</summary>
    public override string ToString() => $"{Median:F1} ({Min:F1}–{Max:F1})";
}

/// <summary>
/// The measured result of one case, interleaved: ours, tuned PyTorch and plain PyTorch; on inference rows "ours" is the
/// library's scoring path (<c>OnnxScorer</c> on the exported model), with raw ONNX Runtime on the same file and our
/// libtorch <c>Scorer</c> beside it.
/// </summary>
public sealed record BenchRow(string Name, string Title, int Batch, string Precision, int Repetitions, Throughput Ours, Throughput Tuned,
    Throughput Plain, Throughput? OnnxRuntime = null, Throughput? Libtorch = null)
{
    /// <summary>Ours ÷ tuned PyTorch median throughput (above 1: ours is faster): the ratio that counts.</summary>
    public double Ratio => Ours.Median / Tuned.Median;

    /// <summary>Ours ÷ plain PyTorch median throughput (kept for reference; plain PyTorch swings between runs).</summary>
    public double RatioPlain => Ours.Median / Plain.Median;

    /// <summary>Ours ÷ a plain ONNX Runtime session on the same file (inference rows): what our wrapper costs.</summary>
    public double? RatioOnnxRuntime => OnnxRuntime is { } ort ? Ours.Median / ort.Median : null;

    /// <summary>Median milliseconds per batch, ours.</summary>
    public double OursMillisecondsPerBatch => 1000.0 * Batch / Ours.Median;

    /// <summary>The median of <paramref name="values"/>.</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}

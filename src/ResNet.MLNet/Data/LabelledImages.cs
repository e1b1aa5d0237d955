using ResNet.MLNet.Engine;

namespace ResNet.MLNet.Data;

/// <summary>Labelled images read by a data source, as host arrays (see <see cref="ILabelledImages"/>; the engine
/// takes them with <see cref="InMemoryTrainingData.From"/>).</summary>
/// <param name="Pixels">N·C·H·W values, row-major.</param>
/// <param name="Labels">N class indices.</param>
/// <param name="Channels">Image channels.</param>
/// <param name="Height">Image height.</param>
/// <param name="Width">Image width.</param>
/// <param name="ClassNames">Class names by index.</param>
public sealed record LabelledImages(float[] Pixels, long[] Labels, int Channels, int Height, int Width, IReadOnlyList<string> ClassNames) : ILabelledImages
{
    /// <summary>The number of images.</summary>
    public int Count => Labels.Length;

    /// <summary>Per-channel mean and (population) standard deviation of the pixels.</summary>
    public (float[] Mean, float[] Std) ChannelStatistics()
    {
        long plane = (long)Height * Width;
        var sum = new double[Channels];
        var squares = new double[Channels];
        for (long i = 0; i < Pixels.LongLength; i++)
        {
            int c = (int)(i / plane % Channels);
            sum[c] += Pixels[i];
            squares[c] += (double)Pixels[i] * Pixels[i];
        }
        double n = (double)Count * plane;
        var mean = sum.Select(s => s / n).ToArray();
        return (mean.Select(m => (float)m).ToArray(), squares.Select((q, c) => (float)Math.Sqrt(Math.Max(0, q / n - mean[c] * mean[c]))).ToArray());
    }

    /// <summary>A copy with <c>(x − mean) / std</c> per channel.</summary>
    public LabelledImages Normalize(IReadOnlyList<float> mean, IReadOnlyList<float> std)
    {
        if (mean.Count != Channels || std.Count != Channels)
            throw new ArgumentException($"normalisation needs {Channels} mean and std values, got {mean.Count} and {std.Count}");
        if (std.Any(s => !(s > 0))) throw new ArgumentException($"standard deviations must be positive, got [{string.Join(", ", std)}]");
        long plane = (long)Height * Width;
        var pixels = new float[Pixels.LongLength];
        for (long i = 0; i < pixels.LongLength; i++)
        {
            int c = (int)(i / plane % Channels);
            pixels[i] = (Pixels[i] - mean[c]) / std[c];
        }
        return this with { Pixels = pixels };
    }
}

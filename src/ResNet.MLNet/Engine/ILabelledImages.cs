namespace ResNet.MLNet.Engine;

/// <summary>
/// Labelled images as host arrays, the form in which the engine takes data it will hold in memory
/// (<see cref="InMemoryTrainingData.From"/>): planar float pixels, already resized and (if wanted) normalised, and
/// class indices. Data sources implement it, so they need none of the engine's concrete types.
/// </summary>
public interface ILabelledImages
{
    /// <summary>N·C·H·W pixel values, row-major (N, C, H, W).</summary>
    float[] Pixels { get; }

    /// <summary>N class indices in [0, <see cref="ClassNames"/>.Count).</summary>
    long[] Labels { get; }

    /// <summary>Image channels (1 gray, 3 RGB).</summary>
    int Channels { get; }

    /// <summary>Image height in pixels.</summary>
    int Height { get; }

    /// <summary>Image width in pixels.</summary>
    int Width { get; }

    /// <summary>Class names by index.</summary>
    IReadOnlyList<string> ClassNames { get; }
}

using ResNet.MLNet.Torch;

namespace ResNet.MLNet.Engine;

/// <summary>
/// Labelled images as the trainer and scorer consume them: mini-batches of float tensors (N, C, H, W), already decoded,
/// resized and normalised, with int64 class indices (N). Implementations may hold everything in memory (IDX, CIFAR)
/// or decode lazily with prefetch (image folders), so a data set larger than memory streams.
/// </summary>
public interface ITrainingData
{
    /// <summary>The number of examples.</summary>
    int Count { get; }

    /// <summary>Image channels (1 gray, 3 RGB).</summary>
    int Channels { get; }

    /// <summary>Image height in pixels.</summary>
    int Height { get; }

    /// <summary>Image width in pixels.</summary>
    int Width { get; }

    /// <summary>The number of classes; labels are in [0, ClassCount).</summary>
    int ClassCount { get; }

    /// <summary>Class names by index (for metrics, confusion matrices and saved models).</summary>
    IReadOnlyList<string> ClassNames { get; }

    /// <summary>
    /// Yields the examples in mini-batches of at most <paramref name="batchSize"/>; with <paramref name="shuffle"/> the
    /// order is a permutation drawn from <paramref name="seed"/> (the same seed gives the same order). Each yielded
    /// batch's tensors belong to the consumer, which disposes them (or opens a <see cref="TensorScope"/> around the
    /// step before pulling the next batch). The last batch may be smaller.
    /// </summary>
    IEnumerable<(Tensor Images, Tensor Labels)> Batches(int batchSize, bool shuffle, int seed, CancellationToken cancellationToken = default);
}

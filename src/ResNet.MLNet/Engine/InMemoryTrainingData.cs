using ResNet.MLNet.Torch;

namespace ResNet.MLNet.Engine;

/// <summary>
/// A labelled image set held in one float tensor (N, C, H, W) and one int64 label tensor (N), on the CPU. Owns both
/// (dispose it). Shuffling draws its order from <see cref="SeededShuffle"/>.
/// </summary>
public sealed class InMemoryTrainingData : ITrainingData, IDisposable
{
    private readonly Tensor _images, _labels;

    /// <inheritdoc/>
    public int Count { get; }
    /// <inheritdoc/>
    public int Channels { get; }
    /// <inheritdoc/>
    public int Height { get; }
    /// <inheritdoc/>
    public int Width { get; }
    /// <inheritdoc/>
    public int ClassCount => ClassNames.Count;
    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The images (N, C, H, W), owned by this object.</summary>
    public Tensor Images => _images;
    /// <summary>The labels (N), owned by this object.</summary>
    public Tensor Labels => _labels;

    /// <summary>Takes ownership of float <paramref name="images"/> (N, C, H, W) and int64 <paramref name="labels"/> (N)
    /// with labels in [0, classNames.Count).</summary>
    public InMemoryTrainingData(Tensor images, Tensor labels, IReadOnlyList<string> classNames)
    {
        var shape = images.Shape;
        if (shape.Length != 4) throw new ArgumentException($"images must be (N, C, H, W), got shape [{string.Join(", ", shape)}]");
        if (images.DType != DType.Float32) throw new ArgumentException($"images must be float32, got {images.DType}");
        var labelShape = labels.Shape;
        if (labelShape.Length != 1 || labelShape[0] != shape[0])
            throw new ArgumentException($"labels must be ({shape[0]}) to match the images, got shape [{string.Join(", ", labelShape)}]");
        if (labels.DType != DType.Int64) throw new ArgumentException($"labels must be int64, got {labels.DType}");
        if (classNames.Count < 1) throw new ArgumentException("at least one class name is needed");
        if (shape[0] > 0)
        {
            using var scope = TensorScope.Begin();
            long min = labels.Min().ItemInt64(), max = labels.Max().ItemInt64();
            if (min < 0 || max >= classNames.Count)
                throw new ArgumentException($"labels must be in [0, {classNames.Count}), found values from {min} to {max}");
        }
        _images = images.DetachFromScope();
        _labels = labels.DetachFromScope();
        (Count, Channels, Height, Width) = ((int)shape[0], (int)shape[1], (int)shape[2], (int)shape[3]);
        ClassNames = classNames.ToArray();
    }

    /// <summary>Copies float <paramref name="pixels"/> (N·C·H·W, row-major) and <paramref name="labels"/> into a new set.</summary>
    public static InMemoryTrainingData FromArrays(float[] pixels, long[] labels, int channels, int height, int width, IReadOnlyList<string> classNames)
    {
        long per = (long)channels * height * width;
        if (pixels.LongLength != labels.LongLength * per)
            throw new ArgumentException($"{labels.Length} labels need {labels.LongLength * per} pixel values ({channels}x{height}x{width} each), got {pixels.LongLength}");
        var images = Tensor.FromArray(pixels, labels.Length, channels, height, width).DetachFromScope();
        var labelTensor = Tensor.FromArray(labels).DetachFromScope();
        return new InMemoryTrainingData(images, labelTensor, classNames);
    }

    /// <summary>Copies <paramref name="images"/> (a data source's arrays) into a new set.</summary>
    public static InMemoryTrainingData From(ILabelledImages images) =>
        FromArrays(images.Pixels, images.Labels, images.Channels, images.Height, images.Width, images.ClassNames);

    /// <summary>A new set holding the first <paramref name="count"/> examples (all of them when larger).</summary>
    public InMemoryTrainingData Take(int count)
    {
        int n = Math.Clamp(count, 0, Count);
        using var scope = TensorScope.Begin();
        return new InMemoryTrainingData(_images.Slice(0, 0, n).Clone().DetachFromScope(), _labels.Slice(0, 0, n).Clone().DetachFromScope(), ClassNames);
    }

    /// <inheritdoc/>
    public IEnumerable<(Tensor Images, Tensor Labels)> Batches(int batchSize, bool shuffle, int seed, CancellationToken cancellationToken = default)
    {
        if (batchSize < 1) throw new ArgumentException($"batchSize must be at least 1, got {batchSize}");
        var order = (shuffle ? SeededShuffle.Order(Count, seed) : Enumerable.Range(0, Count)).Select(i => (long)i).ToArray();
        for (int start = 0; start < Count; start += batchSize)
        {
            if (cancellationToken.IsCancellationRequested) yield break;
            int n = Math.Min(batchSize, Count - start);
            Tensor images, labels;
            using (var scope = TensorScope.Begin())
            {
                var index = Tensor.FromSpan<long>(order.AsSpan(start, n), new long[] { n });
                images = _images.IndexSelect(0, index).DetachFromScope();
                labels = _labels.IndexSelect(0, index).DetachFromScope();
            }
            yield return (images, labels);
        }
    }

    /// <summary>Frees the images and labels.</summary>
    public void Dispose()
    {
        _images.Dispose();
        _labels.Dispose();
    }
}

using ResNet.MLNet.Engine;
using ResNet.MLNet.Torch;

namespace ResNet.MLNet.Data.Images;

/// <summary>
/// Labelled images decoded lazily for the trainer and scorer: only the image values (paths, bytes or decoded
/// images) and labels are held; each mini-batch is decoded, resized and normalised in parallel while the previous
/// one trains (<see cref="PrefetchBatches"/> batches ahead), so the model never waits on the disk and a data set
/// larger than memory streams.
/// </summary>
public sealed class ImageTrainingData : ITrainingData
{
    private readonly IReadOnlyList<object?> _images;
    private readonly long[] _labels;
    private readonly Func<int, string> _describe;
    private readonly ImageBatchDecoder _decoder;

    /// <inheritdoc/>
    public int Count => _images.Count;
    /// <inheritdoc/>
    public int Channels => _decoder.Preprocessing.Channels;
    /// <inheritdoc/>
    public int Height => _decoder.Preprocessing.Height;
    /// <inheritdoc/>
    public int Width => _decoder.Preprocessing.Width;
    /// <inheritdoc/>
    public int ClassCount => ClassNames.Count;
    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Batches decoded ahead of the consumer. Default 2.</summary>
    public int PrefetchBatches { get; init; } = 2;

    /// <summary>Creates the set from image values and class indices in [0, classNames.Count);
    /// <paramref name="describe"/> names image i in error messages.</summary>
    public ImageTrainingData(IReadOnlyList<object?> images, long[] labels, IReadOnlyList<string> classNames,
        ImagePreprocessing preprocessing, Func<int, string> describe, int? parallelism = null)
    {
        if (images.Count != labels.Length) throw new ArgumentException($"{images.Count} images but {labels.Length} labels");
        for (int i = 0; i < labels.Length; i++)
            if (labels[i] < 0 || labels[i] >= classNames.Count)
                throw new ArgumentException($"label {labels[i]} of {describe(i)} is outside [0, {classNames.Count})");
        _images = images;
        _labels = labels;
        _describe = describe;
        ClassNames = classNames.ToArray();
        _decoder = new ImageBatchDecoder(preprocessing, parallelism);
    }

    /// <inheritdoc/>
    public IEnumerable<(Tensor Images, Tensor Labels)> Batches(int batchSize, bool shuffle, int seed, CancellationToken cancellationToken = default)
    {
        if (batchSize < 1) throw new ArgumentException($"batchSize must be at least 1, got {batchSize}");
        var order = Enumerable.Range(0, Count).ToArray();
        if (shuffle) new Random(seed).Shuffle(order);
        int batches = (Count + batchSize - 1) / batchSize;
        var pending = new Queue<Task<float[]>>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            int next = 0;
            for (int b = 0; b < batches; b++)
            {
                while (next < batches && pending.Count <= PrefetchBatches)
                {
                    int start = next++ * batchSize;
                    var indices = order.AsMemory(start, Math.Min(batchSize, Count - start));
                    pending.Enqueue(Task.Run(() => DecodeBatch(indices, stop.Token), stop.Token));
                }
                float[] pixels;
                try { pixels = pending.Dequeue().GetAwaiter().GetResult(); }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { yield break; }
                if (cancellationToken.IsCancellationRequested) yield break;
                var idx = order.AsSpan(b * batchSize, Math.Min(batchSize, Count - b * batchSize));
                var labels = new long[idx.Length];
                for (int i = 0; i < idx.Length; i++) labels[i] = _labels[idx[i]];
                Tensor imageTensor, labelTensor;
                using (var scope = TensorScope.Begin())
                {
                    imageTensor = Tensor.FromArray(pixels, idx.Length, Channels, Height, Width).DetachFromScope();
                    labelTensor = Tensor.FromArray(labels).DetachFromScope();
                }
                yield return (imageTensor, labelTensor);
            }
        }
        finally
        {
            stop.Cancel();
            foreach (var t in pending) { try { t.Wait(); } catch (Exception) { /* abandoned prefetch */ } }
        }
    }

    private float[] DecodeBatch(ReadOnlyMemory<int> indices, CancellationToken token)
    {
        var values = new object?[indices.Length];
        var span = indices.Span;
        for (int i = 0; i < values.Length; i++) values[i] = _images[span[i]];
        var copy = indices.ToArray();
        return _decoder.Decode(values, i => _describe(copy[i]), token);
    }
}

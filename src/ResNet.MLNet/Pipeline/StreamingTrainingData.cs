using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.ML;
using ResNet.MLNet.Engine;
using ResNet.MLNet.Torch;

namespace ResNet.MLNet;

/// <summary>
/// Training data that is never held in memory: every epoch reads the view through an ML.NET cursor (shuffled by
/// ML.NET's <c>ShuffleRows</c>), preprocesses and normalises each row, and hands over mini-batches decoded on a
/// background thread one batch ahead of training. Memory stays at a few batches and the shuffle pool, whatever the
/// size of the set.
/// </summary>
internal sealed class StreamingTrainingData : ITrainingData
{
    private readonly IDataView _input;
    private readonly ITransformer? _preprocessing;
    private readonly ImageInputKind _kind;
    private readonly ResNetClassifierOptions _options;
    private readonly string _what;
    private readonly long _memoryBudget;
    private readonly ConcurrentDictionary<string, SkippedImage> _skipped = new();

    public int Count { get; }
    public int Channels => _options.Channels;
    public int Height => _options.ImageSize;
    public int Width => _options.ImageSize;
    public int ClassCount => ClassNames.Count;
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Images left out as undecodable so far (each listed once, however many epochs met it).</summary>
    public IReadOnlyCollection<SkippedImage> Skipped => _skipped.Values.ToArray();

    public StreamingTrainingData(IDataView input, long rows, ITransformer? preprocessing, ImageInputKind kind, ResNetClassifierOptions options,
        IReadOnlyList<string> classNames, string what, long memoryBudget)
    {
        _memoryBudget = memoryBudget;
        if (rows > int.MaxValue) throw new ArgumentException($"{what}: {rows} rows are more than one training run supports ({int.MaxValue})");
        (_input, Count, _preprocessing, _kind, _options, ClassNames, _what) = (input, (int)rows, preprocessing, kind, options, classNames, what);
    }

    /// <summary>Rows in ML.NET's shuffle pool: all of them when the rows are paths (cheap to hold), else as many rows
    /// of pixels as a quarter of the in-memory budget holds (at least 64).</summary>
    private int ShufflePool => _kind == ImageInputKind.Path ? Math.Max(1, Count)
        : (int)Math.Clamp(_memoryBudget / 4 / (sizeof(float) * (long)_options.ValuesPerImage), 64, Math.Max(64, Count));

    public IEnumerable<(Tensor Images, Tensor Labels)> Batches(int batchSize, bool shuffle, int seed, CancellationToken cancellationToken = default)
    {
        if (batchSize < 1) throw new ArgumentException($"batchSize must be at least 1, got {batchSize}");
        var view = shuffle ? new MLContext(seed).Data.ShuffleRows(_input, seed, ShufflePool) : _input;
        var what = shuffle ? $"{_what} (row numbers in this epoch's shuffled order)" : _what;
        int per = _options.ValuesPerImage;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var ready = new BlockingCollection<(float[] Pixels, long[] Labels, int Count)>(boundedCapacity: 1);
        var producer = Task.Run(() =>
        {
            try
            {
                float[]? pixels = null;
                long[]? labels = null;
                int n = 0;
                Action<SkippedImage>? skip = _options.SkipUndecodableImages ? s => _skipped.TryAdd(s.Source, s) : null;
                foreach (var (image, label) in PixelReader.Rows(view, _preprocessing, _kind, _options, ClassCount, skip, stop.Token, what))
                {
                    pixels ??= ArrayPool<float>.Shared.Rent(batchSize * per);
                    labels ??= new long[batchSize];
                    image.CopyTo(pixels.AsSpan(n * per, per));
                    labels[n++] = label;
                    if (n < batchSize) continue;
                    ready.Add((pixels, labels, n), stop.Token);
                    (pixels, labels, n) = (null, null, 0);
                }
                if (n > 0) ready.Add((pixels!, labels!, n), stop.Token);
            }
            finally { ready.CompleteAdding(); }
        }, stop.Token);
        try
        {
            foreach (var (pixels, labels, n) in ready.GetConsumingEnumerable())
            {
                Tensor images, labelTensor;
                using (TensorScope.Begin())
                {
                    images = Tensor.FromSpan<float>(pixels.AsSpan(0, n * per), new long[] { n, Channels, Height, Width }).DetachFromScope();
                    labelTensor = Tensor.FromSpan<long>(labels.AsSpan(0, n), new long[] { n }).DetachFromScope();
                }
                ArrayPool<float>.Shared.Return(pixels);
                yield return (images, labelTensor);
            }
        }
        finally
        {
            // The consumer stopped early (cancellation, an error in a step): stop the reader and let it finish.
            stop.Cancel();
            while (ready.TryTake(out var left)) ArrayPool<float>.Shared.Return(left.Pixels);
            try { producer.Wait(); }
            catch (AggregateException) { } // observed below when every batch was read; moot when the consumer failed
        }
        // Reached only when the consumer read every batch: a reading error surfaces here, in the training thread.
        producer.GetAwaiter().GetResult();
    }
}

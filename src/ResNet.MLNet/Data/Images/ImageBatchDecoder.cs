namespace ResNet.MLNet.Data.Images;

/// <summary>
/// Decodes, resizes and normalises a list of image values into one float buffer (N, C, H, W), in parallel over
/// the cores. Errors name the image (its path, or its row).
/// </summary>
public sealed class ImageBatchDecoder
{
    private readonly ImagePreprocessing _preprocessing;
    private readonly int _parallelism;

    /// <summary>The preprocessing applied to every image.</summary>
    public ImagePreprocessing Preprocessing => _preprocessing;

    /// <summary>Prepares to decode with <paramref name="preprocessing"/> on up to <paramref name="parallelism"/>
    /// threads (default: every core).</summary>
    public ImageBatchDecoder(ImagePreprocessing preprocessing, int? parallelism = null)
    {
        preprocessing.Validate();
        _preprocessing = preprocessing;
        _parallelism = Math.Max(1, parallelism ?? Environment.ProcessorCount);
    }

    /// <summary>Decodes <paramref name="values"/> into a new buffer of N·C·H·W floats; errors name the item
    /// (<see cref="ImageLoader.Describe"/>: its index and path, or index in <paramref name="what"/>).</summary>
    public float[] Decode(IReadOnlyList<object?> values, string what = "values", CancellationToken cancellationToken = default)
    {
        int per = _preprocessing.ValuesPerImage;
        var buffer = new float[(long)values.Count * per];
        var options = new ParallelOptions { MaxDegreeOfParallelism = _parallelism, CancellationToken = cancellationToken };
        try
        {
            Parallel.For(0, values.Count, options, i =>
            {
                var image = ImageLoader.Load(values[i], _preprocessing.Channels, ImageLoader.Describe(values[i] as string, i, what));
                ImageTensorizer.Write(image, _preprocessing, buffer.AsSpan(i * per, per));
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count >= 1)
        {
            // Report one failing image by name rather than an aggregate.
            throw e.InnerExceptions.OfType<ImageDecodeException>().OrderBy(x => x.ImageSource, StringComparer.Ordinal).FirstOrDefault()
                  ?? e.InnerExceptions[0];
        }
        return buffer;
    }
}

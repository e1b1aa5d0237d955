namespace ResNet.MLNet;

/// <summary>
/// The resource limits applied to every file this library reads (images, model zips, ONNX graphs, safetensors, IDX,
/// CIFAR-10 and CSV/TSV files), all in one place. Each is checked from the file's header or size <b>before</b> the
/// memory it implies is allocated; an input over a limit is refused with an <see cref="InvalidInputException"/> that
/// names the file and the limit. The defaults suit a server that is fed uploaded images and downloaded models; raise
/// one with <c>InputLimits.Default = InputLimits.Default with { MaxImagePixels = ... }</c> (process-wide, read at each
/// check, so it also governs models loaded with <c>ml.Model.Load</c>) or pass an instance where a method takes one.
/// docs/limits.md lists the limits and where each is checked.
/// </summary>
public sealed record InputLimits
{
    private static InputLimits _default = new();

    /// <summary>The limits used wherever none are passed. Settable (process-wide); never null.</summary>
    public static InputLimits Default
    {
        get => Volatile.Read(ref _default);
        set => Volatile.Write(ref _default, value ?? throw new ArgumentNullException(nameof(value)));
    }

    /// <summary>Most pixels (width × height) of one decoded image. Default 89,478,485, PIL's
    /// <c>Image.MAX_IMAGE_PIXELS</c> (1 GiB of 24-bit pixels / 4 / 3): a decompression bomb is refused from its header
    /// before any pixel buffer exists. A 4:3 photo of 10,900 × 8,200 pixels still fits.</summary>
    public long MaxImagePixels { get; init; } = 89_478_485;

    /// <summary>Most bytes of one encoded image file. Default 64 MiB (a 24-bit image at the pixel limit compresses far
    /// below it). Image files are read whole, so this bounds that read too.</summary>
    public long MaxImageBytes { get; init; } = 64L << 20;

    /// <summary>Most bytes of a model zip file (read whole before ML.NET sees it). Default 2 GiB.</summary>
    public long MaxModelFileBytes { get; init; } = 2L << 30;

    /// <summary>Most entries in a model zip. Default 1,000 (a ResNet classifier's zip holds about 30).</summary>
    public int MaxModelZipEntries { get; init; } = 1_000;

    /// <summary>Most bytes of all a model zip's entries uncompressed, counted while inflating (an entry that inflates
    /// to more than its declared size is refused as well). Default 4 GiB.</summary>
    public long MaxModelZipUncompressedBytes { get; init; } = 4L << 30;

    /// <summary>Most bytes of one ONNX graph (a file, or the graph inside a model zip). Default 2 GiB − 1, protobuf's
    /// own ceiling for one message.</summary>
    public long MaxOnnxBytes { get; init; } = int.MaxValue;

    /// <summary>Most bytes of a safetensors JSON header. Default 100 MiB, the reference implementation's limit.</summary>
    public long MaxSafeTensorsHeaderBytes { get; init; } = 100L << 20;

    /// <summary>Most values (bytes) in one IDX array, checked against the header's dimensions before reading. Default
    /// 1 GiB (Fashion-MNIST's training images are 47 M).</summary>
    public long MaxIdxValues { get; init; } = 1L << 30;

    /// <summary>Most data rows of one CSV/TSV image list. Default 10,000,000.</summary>
    public long MaxCsvRows { get; init; } = 10_000_000;

    /// <summary>Most characters in one CSV/TSV field (a path or a label). Default 32,768 (Linux paths end at 4,096).</summary>
    public int MaxCsvFieldChars { get; init; } = 32_768;

    /// <summary>Checks every limit is positive; throws naming the first that is not.</summary>
    public void Validate()
    {
        foreach (var (name, value) in new (string, long)[]
                 {
                     (nameof(MaxImagePixels), MaxImagePixels), (nameof(MaxImageBytes), MaxImageBytes), (nameof(MaxModelFileBytes), MaxModelFileBytes),
                     (nameof(MaxModelZipEntries), MaxModelZipEntries), (nameof(MaxModelZipUncompressedBytes), MaxModelZipUncompressedBytes),
                     (nameof(MaxOnnxBytes), MaxOnnxBytes), (nameof(MaxSafeTensorsHeaderBytes), MaxSafeTensorsHeaderBytes),
                     (nameof(MaxIdxValues), MaxIdxValues), (nameof(MaxCsvRows), MaxCsvRows), (nameof(MaxCsvFieldChars), MaxCsvFieldChars),
                 })
            if (value < 1) throw new ArgumentException($"InputLimits.{name} must be at least 1, got {value}");
    }

    /// <summary>Throws <see cref="InvalidInputException"/> naming <paramref name="input"/> when <paramref name="value"/>
    /// exceeds <paramref name="limit"/>; <paramref name="what"/> says what was counted, <paramref name="option"/> which
    /// limit to raise.</summary>
    internal static void Check(string input, string what, long value, long limit, string option)
    {
        if (value > limit)
            throw new InvalidInputException(input, $"{what} {value:N0} exceeds the limit of {limit:N0} (InputLimits.{option})");
    }
}

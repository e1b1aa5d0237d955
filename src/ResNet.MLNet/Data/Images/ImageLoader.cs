namespace ResNet.MLNet.Data.Images;

/// <summary>
/// Turns an image column value into pixels: a file path (<see cref="string"/>), encoded JPEG/PNG bytes
/// (<see cref="byte"/>[]) or an already decoded <see cref="DecodedImage"/> (converted to the wanted channels).
/// </summary>
public static class ImageLoader
{
    /// <summary>The value types an image column may hold.</summary>
    public static IReadOnlyList<Type> SupportedTypes { get; } = new[] { typeof(string), typeof(byte[]), typeof(DecodedImage) };

    /// <summary>Loads <paramref name="value"/> as a <paramref name="channels"/>-channel image; <paramref name="source"/>
    /// names it in errors when it is not a path (e.g. "row 12 of column 'Image'").</summary>
    public static DecodedImage Load(object? value, int channels, string source) => value switch
    {
        string path => ImageDecoder.DecodeFile(path, channels),
        byte[] bytes => ImageDecoder.Decode(bytes, channels, source),
        DecodedImage image => Convert(image, channels, source),
        null => throw new ImageDecodeException(source, "the image value is missing"),
        _ => throw new ImageDecodeException(source, $"values of type {value.GetType().Name} are not images (use a path, encoded bytes or a DecodedImage)"),
    };

    /// <summary>The name of an image in error messages, the one naming rule of every image path: its 0-based
    /// <paramref name="row"/> as a 1-based row number, with its <paramref name="path"/> when it has one, else the
    /// <paramref name="column"/> it came from.</summary>
    public static string Describe(string? path, long row, string column) =>
        path != null ? $"row {row + 1} ({path})" : $"row {row + 1} (column '{column}')";

    private static DecodedImage Convert(DecodedImage image, int channels, string source)
    {
        try { image.Validate(); }
        catch (ArgumentException e) { throw new ImageDecodeException(source, e.Message, e); }
        if (image.Channels == channels) return image;
        int n = image.Width * image.Height;
        var pixels = new byte[n * channels];
        if (channels == 1)
        {
            // ITU-R 601 luma, as libjpeg-turbo and PIL convert RGB to gray.
            for (int i = 0; i < n; i++)
                pixels[i] = (byte)Math.Clamp((int)Math.Round(0.299 * image.Pixels[3 * i] + 0.587 * image.Pixels[3 * i + 1] + 0.114 * image.Pixels[3 * i + 2]), 0, 255);
        }
        else
        {
            for (int i = 0; i < n; i++) pixels[3 * i] = pixels[3 * i + 1] = pixels[3 * i + 2] = image.Pixels[i];
        }
        return new DecodedImage(pixels, image.Width, image.Height, channels);
    }
}

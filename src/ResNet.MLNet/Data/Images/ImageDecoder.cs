using ResNet.MLNet.Native;

namespace ResNet.MLNet.Data.Images;

/// <summary>Decodes JPEG (libjpeg-turbo) and PNG (libpng) bytes into <see cref="DecodedImage"/>s, gray or RGB, turning
/// JPEGs upright by their EXIF orientation. Thread-safe.</summary>
public static class ImageDecoder
{
    /// <summary>Decodes <paramref name="encoded"/> to <paramref name="channels"/> channels (1 gray, 3 RGB; colour is
    /// converted as needed). <paramref name="source"/> names the image in error messages. The size and pixel count are
    /// checked against <paramref name="limits"/> (default <see cref="InputLimits.Default"/>) before pixels are allocated.</summary>
    public static unsafe DecodedImage Decode(ReadOnlySpan<byte> encoded, int channels, string source, InputLimits? limits = null)
    {
        if (channels != 1 && channels != 3) throw new ArgumentException($"channels must be 1 or 3, got {channels}");
        limits ??= InputLimits.Default;
        var header = ImageHeader.Check(encoded, source, limits);
        if (header.Format is not ("JPEG" or "PNG")) throw new ImageDecodeException(source, $"{header.Format} images are not supported here (only JPEG and PNG)");
        fixed (byte* data = encoded)
        {
            if (NativeMethods.rn_image_info(data, encoded.Length, out _, out int width, out int height, out _) != 0)
                throw new ImageDecodeException(source, NativeMethods.LastError());
            // libjpeg/libpng read the size themselves: it must agree with the header that passed the limit.
            if (width != header.Width || height != header.Height)
                throw new ImageDecodeException(source, $"the decoder reads a {width}x{height} image, the header declares {header.Width}x{header.Height}");
            var pixels = new byte[(long)width * height * channels];
            fixed (byte* output = pixels)
            {
                if (NativeMethods.rn_image_decode(data, encoded.Length, channels, output, pixels.LongLength) != 0)
                    throw new ImageDecodeException(source, NativeMethods.LastError());
            }
            return ExifOrientation.Apply(new DecodedImage(pixels, width, height, channels), ExifOrientation.Read(encoded));
        }
    }

    /// <summary>Reads and decodes the image file at <paramref name="path"/> (its size checked before it is read).</summary>
    public static DecodedImage DecodeFile(string path, int channels, InputLimits? limits = null)
    {
        limits ??= InputLimits.Default;
        byte[] bytes;
        try { bytes = ReadFile(path, limits); }
        catch (FileNotFoundException e) { throw new ImageDecodeException(path, "the file does not exist", e); }
        catch (DirectoryNotFoundException e) { throw new ImageDecodeException(path, "the file does not exist", e); }
        catch (IOException e) when (e is not InvalidInputException) { throw new ImageDecodeException(path, e.Message, e); }
        catch (UnauthorizedAccessException e) { throw new ImageDecodeException(path, e.Message, e); }
        return Decode(bytes, channels, path, limits);
    }

    /// <summary>The bytes of the image file at <paramref name="path"/>, refused (<see cref="ImageDecodeException"/>) when
    /// larger than <see cref="InputLimits.MaxImageBytes"/> before they are read.</summary>
    public static byte[] ReadFile(string path, InputLimits limits)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (file.Length > limits.MaxImageBytes)
            throw new ImageDecodeException(path, $"{file.Length:N0} encoded bytes exceed the limit of {limits.MaxImageBytes:N0} (InputLimits.MaxImageBytes)");
        var bytes = new byte[file.Length];
        file.ReadExactly(bytes);
        return bytes;
    }
}

using ResNet.MLNet.Native;

namespace ResNet.MLNet.Data.Images;

/// <summary>Decodes JPEG (libjpeg-turbo) and PNG (libpng) bytes into <see cref="DecodedImage"/>s, gray or RGB, turning
/// JPEGs upright by their EXIF orientation. Thread-safe.</summary>
public static class ImageDecoder
{
    /// <summary>Decodes <paramref name="encoded"/> to <paramref name="channels"/> channels (1 gray, 3 RGB; colour is
    /// converted as needed). <paramref name="source"/> names the image in error messages.</summary>
    public static unsafe DecodedImage Decode(ReadOnlySpan<byte> encoded, int channels, string source)
    {
        if (channels != 1 && channels != 3) throw new ArgumentException($"channels must be 1 or 3, got {channels}");
        if (encoded.IsEmpty) throw new ImageDecodeException(source, "the file is empty (0 bytes)");
        fixed (byte* data = encoded)
        {
            if (NativeMethods.rn_image_info(data, encoded.Length, out _, out int width, out int height, out _) != 0)
                throw new ImageDecodeException(source, NativeMethods.LastError());
            var pixels = new byte[(long)width * height * channels];
            fixed (byte* output = pixels)
            {
                if (NativeMethods.rn_image_decode(data, encoded.Length, channels, output, pixels.LongLength) != 0)
                    throw new ImageDecodeException(source, NativeMethods.LastError());
            }
            return ExifOrientation.Apply(new DecodedImage(pixels, width, height, channels), ExifOrientation.Read(encoded));
        }
    }

    /// <summary>Reads and decodes the image file at <paramref name="path"/>.</summary>
    public static DecodedImage DecodeFile(string path, int channels)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (FileNotFoundException e) { throw new ImageDecodeException(path, "the file does not exist", e); }
        catch (DirectoryNotFoundException e) { throw new ImageDecodeException(path, "the file does not exist", e); }
        catch (IOException e) { throw new ImageDecodeException(path, e.Message, e); }
        catch (UnauthorizedAccessException e) { throw new ImageDecodeException(path, e.Message, e); }
        return Decode(bytes, channels, path);
    }
}

namespace ResNet.MLNet.Data.Images;

/// <summary>An image as 8-bit pixels, interleaved (H, W, C) and row-major: gray (1 channel) or RGB (3 channels).</summary>
/// <param name="Pixels">Width·Height·Channels bytes.</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="Channels">1 (gray) or 3 (RGB).</param>
public sealed record DecodedImage(byte[] Pixels, int Width, int Height, int Channels)
{
    /// <summary>Checks that the pixel count matches the size; throws naming the mismatch.</summary>
    public void Validate()
    {
        if (Width < 1 || Height < 1) throw new ArgumentException($"image size must be positive, got {Width}x{Height}");
        if (Channels != 1 && Channels != 3) throw new ArgumentException($"image channels must be 1 or 3, got {Channels}");
        if (Pixels.LongLength != (long)Width * Height * Channels)
            throw new ArgumentException($"a {Width}x{Height}x{Channels} image needs {(long)Width * Height * Channels} bytes, got {Pixels.LongLength}");
    }
}

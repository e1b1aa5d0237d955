using System.Buffers.Binary;

namespace ResNet.MLNet.Data.Images;

/// <summary>
/// The format and size of an encoded image read from its header alone (JPEG, PNG, GIF, BMP, WebP: the formats the
/// decoders here accept), so <see cref="InputLimits"/> can refuse a decompression bomb before a pixel buffer is
/// allocated. <see cref="Check"/> is the one gate every decoding path passes.
/// </summary>
public readonly record struct ImageHeader(string Format, long Width, long Height)
{
    /// <summary>Width × height.</summary>
    public long Pixels => Width * Height;

    /// <summary>Checks <paramref name="encoded"/> against <paramref name="limits"/> (default
    /// <see cref="InputLimits.Default"/>): its size, a readable header of a supported format, and the pixel count.
    /// Throws <see cref="ImageDecodeException"/> naming <paramref name="source"/>; returns the header.</summary>
    public static ImageHeader Check(ReadOnlySpan<byte> encoded, string source, InputLimits? limits = null)
    {
        limits ??= InputLimits.Default;
        if (encoded.IsEmpty) throw new ImageDecodeException(source, "the file is empty (0 bytes)");
        if (encoded.Length > limits.MaxImageBytes)
            throw new ImageDecodeException(source, $"{encoded.Length:N0} encoded bytes exceed the limit of {limits.MaxImageBytes:N0} (InputLimits.MaxImageBytes)");
        var header = Read(encoded, out var problem) ?? throw new ImageDecodeException(source, problem);
        if (header.Width < 1 || header.Height < 1)
            throw new ImageDecodeException(source, $"the {header.Format} header declares a {header.Width}x{header.Height} image");
        if (header.Pixels > limits.MaxImagePixels)
            throw new ImageDecodeException(source, $"{header.Width}x{header.Height} = {header.Pixels:N0} pixels exceed the limit of " +
                                                   $"{limits.MaxImagePixels:N0} (InputLimits.MaxImagePixels; a decompression bomb?)");
        return header;
    }

    /// <summary>The header of <paramref name="b"/>, or null with <paramref name="problem"/> saying why not.</summary>
    public static ImageHeader? Read(ReadOnlySpan<byte> b, out string problem)
    {
        problem = "";
        try
        {
            if (b.Length >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return Jpeg(b, out problem);
            if (b.Length >= 8 && b[..8].SequenceEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10 }))
                return b.Length >= 24 && b.Slice(12, 4).SequenceEqual("IHDR"u8)
                    ? new ImageHeader("PNG", BinaryPrimitives.ReadUInt32BigEndian(b[16..]), BinaryPrimitives.ReadUInt32BigEndian(b[20..]))
                    : Fail("corrupt PNG header: no IHDR chunk first", out problem);
            if (b.Length >= 6 && (b[..6].SequenceEqual("GIF87a"u8) || b[..6].SequenceEqual("GIF89a"u8)))
                return b.Length >= 10 ? new ImageHeader("GIF", BinaryPrimitives.ReadUInt16LittleEndian(b[6..]), BinaryPrimitives.ReadUInt16LittleEndian(b[8..]))
                    : Fail("corrupt GIF header: truncated", out problem);
            if (b.Length >= 2 && b[0] == 'B' && b[1] == 'M') return Bmp(b, out problem);
            if (b.Length >= 12 && b[..4].SequenceEqual("RIFF"u8) && b.Slice(8, 4).SequenceEqual("WEBP"u8)) return WebP(b, out problem);
            return Fail("unsupported image format (JPEG, PNG, GIF, BMP and WebP can be decoded)", out problem);
        }
        catch (ArgumentOutOfRangeException)
        {
            return Fail("corrupt image header: truncated", out problem);
        }
    }

    private static ImageHeader? Fail(string why, out string problem)
    {
        problem = why;
        return null;
    }

    private static ImageHeader? Jpeg(ReadOnlySpan<byte> b, out string problem)
    {
        int pos = 2;
        while (pos + 4 <= b.Length)
        {
            if (b[pos] != 0xFF) return Fail($"corrupt JPEG header: no marker at byte {pos}", out problem);
            byte marker = b[pos + 1];
            if (marker == 0xFF) { pos++; continue; } // fill byte
            if (marker is 0x01 or (>= 0xD0 and <= 0xD8)) { pos += 2; continue; } // markers without a length
            if (marker is 0xDA or 0xD9) break; // scan or end before any frame header
            int length = BinaryPrimitives.ReadUInt16BigEndian(b[(pos + 2)..]);
            if (length < 2) return Fail($"corrupt JPEG header: segment length {length} at byte {pos}", out problem);
            // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC): precision, height, width.
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                if (length < 7 || pos + 9 > b.Length) return Fail("corrupt JPEG header: truncated frame header", out problem);
                problem = "";
                return new ImageHeader("JPEG", BinaryPrimitives.ReadUInt16BigEndian(b[(pos + 7)..]), BinaryPrimitives.ReadUInt16BigEndian(b[(pos + 5)..]));
            }
            pos += 2 + length;
        }
        return Fail("corrupt JPEG header: no frame header (SOF) before the image data", out problem);
    }

    private static ImageHeader? Bmp(ReadOnlySpan<byte> b, out string problem)
    {
        if (b.Length < 26) return Fail("corrupt BMP header: truncated", out problem);
        uint dib = BinaryPrimitives.ReadUInt32LittleEndian(b[14..]);
        problem = "";
        if (dib == 12) return new ImageHeader("BMP", BinaryPrimitives.ReadUInt16LittleEndian(b[18..]), BinaryPrimitives.ReadUInt16LittleEndian(b[20..]));
        // Height is negative for top-down bitmaps.
        return new ImageHeader("BMP", BinaryPrimitives.ReadInt32LittleEndian(b[18..]), Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(b[22..])));
    }

    private static ImageHeader? WebP(ReadOnlySpan<byte> b, out string problem)
    {
        if (b.Length < 30) return Fail("corrupt WebP header: truncated", out problem);
        var chunk = b.Slice(12, 4);
        problem = "";
        if (chunk.SequenceEqual("VP8X"u8))
            return new ImageHeader("WebP", 1 + (b[24] | b[25] << 8 | b[26] << 16), 1 + (b[27] | b[28] << 8 | b[29] << 16));
        if (chunk.SequenceEqual("VP8L"u8))
        {
            uint bits = BinaryPrimitives.ReadUInt32LittleEndian(b[21..]);
            return new ImageHeader("WebP", 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF));
        }
        if (chunk.SequenceEqual("VP8 "u8))
            return new ImageHeader("WebP", BinaryPrimitives.ReadUInt16LittleEndian(b[26..]) & 0x3FFF, BinaryPrimitives.ReadUInt16LittleEndian(b[28..]) & 0x3FFF);
        return Fail("corrupt WebP header: unknown first chunk", out problem);
    }
}

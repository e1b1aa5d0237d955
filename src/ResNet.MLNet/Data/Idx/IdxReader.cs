using System.IO.Compression;

namespace ResNet.MLNet.Data.Idx;

/// <summary>An IDX array: its dimensions and unsigned-byte values (row-major).</summary>
/// <param name="Path">The file it was read from.</param>
/// <param name="Shape">The dimensions, e.g. [60000, 28, 28].</param>
/// <param name="Data">The values.</param>
public sealed record IdxArray(string Path, int[] Shape, byte[] Data)
{
    /// <summary>The first dimension (the number of items).</summary>
    public int Count => Shape[0];
}

/// <summary>
/// Reads IDX files (the MNIST / Fashion-MNIST format: two zero bytes, a type code, the number of dimensions, each
/// dimension as a big-endian int32, then the values), gzip-compressed or plain (detected from the content).
/// Only unsigned-byte data (type 0x08) is supported. Errors name the file and what was expected.
/// </summary>
public static class IdxReader
{
    private const byte UnsignedByte = 0x08;
    private const long DeflateMaxRatio = 1032;

    /// <summary>Reads the whole file at <paramref name="path"/>. The header's dimensions are checked against the file's
    /// length (or, gzip-compressed, deflate's largest ratio of 1032:1) and <see cref="InputLimits.MaxIdxValues"/> before
    /// the values are allocated.</summary>
    public static IdxArray Read(string path, InputLimits? limits = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"IDX file not found: {path}", path);
        using var file = File.OpenRead(path);
        bool gzip = IsGzip(file);
        using var stream = gzip ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
        try
        {
            return Read(stream, path, gzip ? file.Length * DeflateMaxRatio : file.Length, limits ?? InputLimits.Default);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidInputException(path, $"corrupt gzip data ({e.Message})", e);
        }
    }

    private static bool IsGzip(FileStream file)
    {
        int b0 = file.ReadByte(), b1 = file.ReadByte();
        file.Position = 0;
        return b0 == 0x1f && b1 == 0x8b;
    }

    private static IdxArray Read(Stream stream, string path, long maxBytes, InputLimits limits)
    {
        var magic = new byte[4];
        int got = ReadFully(stream, magic);
        if (got < 4) throw new InvalidInputException(path, $"truncated IDX header: expected 4 magic bytes, got {got}");
        if (magic[0] != 0 || magic[1] != 0)
            throw new InvalidInputException(path, $"not an IDX file (magic bytes {magic[0]:X2} {magic[1]:X2}, expected 00 00)");
        if (magic[2] != UnsignedByte) throw new InvalidInputException(path, $"IDX type code 0x{magic[2]:X2} is not supported (only 0x08, unsigned byte)");
        int dims = magic[3];
        if (dims < 1) throw new InvalidInputException(path, $"IDX file declares {dims} dimensions");
        var header = new byte[4 * dims];
        got = ReadFully(stream, header);
        if (got < header.Length) throw new InvalidInputException(path, $"truncated IDX header: expected {header.Length} bytes of dimensions, got {got}");
        var shape = new int[dims];
        long total = 1;
        for (int i = 0; i < dims; i++)
        {
            shape[i] = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4 * i));
            if (shape[i] < 0) throw new InvalidInputException(path, $"negative IDX dimension {shape[i]}");
            // Saturating: up to 255 dimensions of 2^31 must not wrap around to a small count.
            total = shape[i] != 0 && total > long.MaxValue / shape[i] ? long.MaxValue : total * shape[i];
        }
        InputLimits.Check(path, $"an IDX array of shape [{string.Join(", ", shape)}] holds", total, Math.Min(limits.MaxIdxValues, Array.MaxLength), nameof(limits.MaxIdxValues));
        long available = maxBytes - 4 - header.Length;
        if (total > available)
            throw new InvalidInputException(path, $"truncated IDX file: shape [{string.Join(", ", shape)}] needs {total} data bytes, the file can hold at most {Math.Max(0, available)}");
        var data = new byte[total];
        got = ReadFully(stream, data);
        if (got < total)
            throw new InvalidInputException(path, $"truncated IDX file: shape [{string.Join(", ", shape)}] needs {total} data bytes, got {got}");
        return new IdxArray(path, shape, data);
    }

    private static int ReadFully(Stream stream, byte[] buffer)
    {
        int total = 0;
        try
        {
            while (total < buffer.Length)
            {
                int n = stream.Read(buffer, total, buffer.Length - total);
                if (n == 0) break;
                total += n;
            }
        }
        catch (EndOfStreamException)
        {
        }
        return total;
    }
}

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

    /// <summary>Reads the whole file at <paramref name="path"/>.</summary>
    public static IdxArray Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"IDX file not found: {path}", path);
        using var file = File.OpenRead(path);
        using var stream = IsGzip(file) ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
        try
        {
            return Read(stream, path);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: corrupt gzip data ({e.Message})", e);
        }
    }

    private static bool IsGzip(FileStream file)
    {
        int b0 = file.ReadByte(), b1 = file.ReadByte();
        file.Position = 0;
        return b0 == 0x1f && b1 == 0x8b;
    }

    private static IdxArray Read(Stream stream, string path)
    {
        var magic = new byte[4];
        int got = ReadFully(stream, magic);
        if (got < 4) throw new InvalidDataException($"{path}: truncated IDX header: expected 4 magic bytes, got {got}");
        if (magic[0] != 0 || magic[1] != 0)
            throw new InvalidDataException($"{path}: not an IDX file (magic bytes {magic[0]:X2} {magic[1]:X2}, expected 00 00)");
        if (magic[2] != UnsignedByte) throw new InvalidDataException($"{path}: IDX type code 0x{magic[2]:X2} is not supported (only 0x08, unsigned byte)");
        int dims = magic[3];
        if (dims < 1) throw new InvalidDataException($"{path}: IDX file declares {dims} dimensions");
        var header = new byte[4 * dims];
        got = ReadFully(stream, header);
        if (got < header.Length) throw new InvalidDataException($"{path}: truncated IDX header: expected {header.Length} bytes of dimensions, got {got}");
        var shape = new int[dims];
        long total = 1;
        for (int i = 0; i < dims; i++)
        {
            shape[i] = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4 * i));
            if (shape[i] < 0) throw new InvalidDataException($"{path}: negative IDX dimension {shape[i]}");
            total *= shape[i];
        }
        if (total > Array.MaxLength) throw new InvalidDataException($"{path}: IDX array of {total} values is too large");
        var data = new byte[total];
        got = ReadFully(stream, data);
        if (got < total)
            throw new InvalidDataException($"{path}: truncated IDX file: shape [{string.Join(", ", shape)}] needs {total} data bytes, got {got}");
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

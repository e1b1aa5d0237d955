using System.Buffers.Binary;
using System.IO.Compression;
using Microsoft.ML;
using ResNet.MLNet.Data;

namespace ResNet.MLNet;

/// <summary>
/// Loads ML.NET model zips defensively: the file's size, entry count, every entry's inflated size (counted while
/// inflating, against its declared size and the total) and the ONNX graph's length prefix are checked against
/// <see cref="InputLimits"/> before ML.NET reads the model, and every failure is an <see cref="InvalidInputException"/>
/// naming the file (and the entry).
/// </summary>
public static class ModelZip
{
    // ML.NET's OnnxTransformer stores its graph in an entry named OnnxModel as a length-prefixed byte array
    // (Int32 little-endian count, then the bytes).
    private const string OnnxEntryName = "OnnxModel";

    /// <summary><c>ml.Model.Load(path)</c> after the checks above; ML.NET's own failures on a file that passed them are
    /// rethrown as <see cref="InvalidInputException"/> naming the file.</summary>
    public static ITransformer LoadChecked(this ModelOperationsCatalog catalog, string path, out DataViewSchema inputSchema, InputLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var bytes = ReadChecked(path, limits ?? InputLimits.Default);
        try
        {
            return catalog.Load(new MemoryStream(bytes, writable: false), out inputSchema);
        }
        catch (Exception e) when (e is not (OutOfMemoryException or InvalidInputException or OperationCanceledException))
        {
            // ML.NET reports a corrupt model with many exception types (format, key, cast, argument, I/O); all mean the same.
            throw new InvalidInputException(path, $"not a loadable ML.NET model ({e.GetType().Name}: {e.Message})", e);
        }
    }

    /// <summary>The ONNX graph inside a model zip written by a ResNet classifier pipeline (after the same checks).</summary>
    public static byte[] ReadOnnxGraph(string path, InputLimits? limits = null)
    {
        limits ??= InputLimits.Default;
        var bytes = ReadChecked(path, limits);
        using var zip = new ZipArchive(new MemoryStream(bytes, writable: false), ZipArchiveMode.Read);
        var entries = zip.Entries.Where(e => e.Name == OnnxEntryName).ToList();
        if (entries.Count != 1) throw new InvalidInputException(path, $"expected one ONNX graph in the model, found {entries.Count}");
        var entry = entries[0];
        using var stream = entry.Open();
        var graph = new byte[entry.Length - 4];
        stream.ReadExactly(new byte[4]);
        stream.ReadExactly(graph);
        return graph;
    }

    /// <summary>The file's bytes once every check passed.</summary>
    private static byte[] ReadChecked(string path, InputLimits limits)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"model file not found: {path}", path);
        byte[] bytes;
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            InputLimits.Check(path, "the model file's size in bytes,", file.Length, limits.MaxModelFileBytes, nameof(limits.MaxModelFileBytes));
            bytes = new byte[file.Length];
            file.ReadExactly(bytes);
        }
        try
        {
            Inspect(path, bytes, limits);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException or NotSupportedException && e is not InvalidInputException)
        {
            throw new InvalidInputException(path, $"not a valid model zip ({e.Message})", e);
        }
        return bytes;
    }

    private static void Inspect(string path, byte[] bytes, InputLimits limits)
    {
        using var zip = new ZipArchive(new MemoryStream(bytes, writable: false), ZipArchiveMode.Read);
        InputLimits.Check(path, "the number of zip entries", zip.Entries.Count, limits.MaxModelZipEntries, nameof(limits.MaxModelZipEntries));
        var names = new HashSet<string>(StringComparer.Ordinal);
        long total = 0;
        var buffer = new byte[81920];
        foreach (var entry in zip.Entries)
        {
            string where = $"{path}!{entry.FullName}";
            if (!names.Add(entry.FullName)) throw new InvalidInputException(where, "the entry appears twice in the zip");
            InputLimits.Check(where, "the entries' declared uncompressed bytes", total + entry.Length, limits.MaxModelZipUncompressedBytes,
                nameof(limits.MaxModelZipUncompressedBytes));
            long inflated = 0;
            using (var stream = entry.Open())
            {
                int n;
                while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
                {
                    inflated += n;
                    // A zip bomb lies about its size: stop as soon as it inflates past what it declared.
                    if (inflated > entry.Length) throw new InvalidInputException(where, $"inflates past its declared size of {entry.Length:N0} bytes");
                }
            }
            if (inflated != entry.Length) throw new InvalidInputException(where, $"inflates to {inflated:N0} bytes, not its declared {entry.Length:N0}");
            total += inflated;
            if (entry.Name == OnnxEntryName) CheckOnnxEntry(where, entry, limits);
        }
    }

    private static void CheckOnnxEntry(string where, ZipArchiveEntry entry, InputLimits limits)
    {
        if (entry.Length < 4) throw new InvalidInputException(where, $"{entry.Length} bytes cannot hold an ONNX graph's length prefix");
        Span<byte> prefix = stackalloc byte[4];
        using (var stream = entry.Open()) stream.ReadExactly(prefix);
        long declared = BinaryPrimitives.ReadInt32LittleEndian(prefix);
        if (declared != entry.Length - 4) throw new InvalidInputException(where, $"declares an ONNX graph of {declared:N0} bytes but holds {entry.Length - 4:N0}");
        InputLimits.Check(where, "the ONNX graph's size in bytes,", declared, limits.MaxOnnxBytes, nameof(limits.MaxOnnxBytes));
    }
}

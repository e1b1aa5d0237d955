using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ResNet.MLNet.Torch.Modules;

using ResNet.MLNet.Data;

namespace ResNet.MLNet.Torch.Serialization;

/// <summary>
/// Reads and writes the safetensors format (an 8-byte little-endian header length, a JSON header naming each
/// tensor's dtype, shape and byte range, then the raw data). It holds only numbers: loading never runs code.
/// </summary>
public static class SafeTensors
{
    private static readonly Dictionary<DType, string> DTypeNames = new()
    {
        [DType.Float32] = "F32", [DType.Float64] = "F64", [DType.Float16] = "F16", [DType.BFloat16] = "BF16",
        [DType.Int64] = "I64", [DType.Int32] = "I32", [DType.Int16] = "I16", [DType.Int8] = "I8",
        [DType.UInt8] = "U8", [DType.Bool] = "BOOL",
    };

    private static readonly Dictionary<string, DType> DTypesByName = DTypeNames.ToDictionary(kv => kv.Value, kv => kv.Key);

    /// <summary>Writes <paramref name="tensors"/> to <paramref name="path"/> atomically (a temporary file, then a rename).</summary>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var full = Path.GetFullPath(path);
        var temp = full + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
                Save(stream, tensors, metadata);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Writes <paramref name="tensors"/> to <paramref name="stream"/>.</summary>
    public static void Save(Stream stream, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var entries = tensors.ToList();
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var meta = new JsonObject();
            foreach (var (k, v) in metadata) meta[k] = v;
            header["__metadata__"] = meta;
        }
        long offset = 0;
        var sizes = new long[entries.Count];
        var seen = new HashSet<string>();
        for (int i = 0; i < entries.Count; i++)
        {
            var (name, t) = entries[i];
            if (!seen.Add(name)) throw new ArgumentException($"duplicate tensor name '{name}'");
            var dtype = t.DType;
            if (!DTypeNames.TryGetValue(dtype, out var dtypeName)) throw new NotSupportedException($"'{name}': dtype {dtype} cannot be stored in safetensors");
            var shape = t.Shape;
            sizes[i] = t.NumElements * dtype.ElementSize();
            header[name] = new JsonObject
            {
                ["dtype"] = dtypeName,
                ["shape"] = new JsonArray(shape.Select(d => (JsonNode)JsonValue.Create(d)).ToArray()),
                ["data_offsets"] = new JsonArray(JsonValue.Create(offset), JsonValue.Create(offset + sizes[i])),
            };
            offset += sizes[i];
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8;
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)padded);
        stream.Write(prefix);
        stream.Write(json);
        for (int i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
        for (int i = 0; i < entries.Count; i++)
        {
            if (sizes[i] > int.MaxValue) throw new NotSupportedException($"'{entries[i].Key}' is larger than 2 GiB");
            var buffer = new byte[sizes[i]];
            entries[i].Value.CopyBytesTo(buffer);
            stream.Write(buffer);
        }
    }

    /// <summary>One entry of a safetensors header.</summary>
    public sealed record Entry(string Name, DType DType, long[] Shape, long Begin, long End);

    /// <summary>Reads the header of a safetensors file: its entries (in file order) and metadata.</summary>
    public static (IReadOnlyList<Entry> Entries, IReadOnlyDictionary<string, string> Metadata) ReadHeader(string path)
    {
        using var stream = OpenForRead(path);
        return ReadHeader(stream, path);
    }

    /// <summary>Loads every tensor of a safetensors file onto the CPU (the caller owns them).</summary>
    public static Dictionary<string, Tensor> Load(string path)
    {
        using var stream = OpenForRead(path);
        return Load(stream, path);
    }

    /// <summary>Loads every tensor from a stream; <paramref name="sourceName"/> names the source in error messages.</summary>
    public static Dictionary<string, Tensor> Load(Stream stream, string sourceName)
    {
        var (entries, _) = ReadHeader(stream, sourceName);
        long dataStart = stream.Position;
        var result = new Dictionary<string, Tensor>();
        try
        {
            foreach (var e in entries.OrderBy(e => e.Begin))
            {
                long size = e.End - e.Begin;
                if (size > int.MaxValue) throw new InvalidInputException(sourceName, $"tensor '{e.Name}' is larger than 2 GiB");
                var buffer = new byte[size];
                stream.Position = dataStart + e.Begin;
                stream.ReadExactly(buffer);
                result[e.Name] = Tensor.FromBytes(buffer, e.Shape, e.DType).DetachFromScope();
            }
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        return result;
    }

    /// <summary>Loads a safetensors file into <paramref name="module"/> by name; errors name each missing, unexpected
    /// or wrongly shaped entry and leave the module unchanged.</summary>
    public static void LoadInto(Module module, string path, bool strict = true)
    {
        var tensors = Load(path);
        try
        {
            try
            {
                module.LoadStateDict(tensors, strict);
            }
            catch (ArgumentException e)
            {
                throw new InvalidInputException(path, $"{e.Message}", e);
            }
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    private static FileStream OpenForRead(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"safetensors file not found: {path}", path);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
    }

    private static (IReadOnlyList<Entry>, IReadOnlyDictionary<string, string>) ReadHeader(Stream stream, string source)
    {
        long length = stream.Length - stream.Position;
        if (length < 8) throw new InvalidInputException(source, $"not a safetensors file ({length} bytes, shorter than the 8-byte header length)");
        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        ulong headerSize = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        var limit = InputLimits.Default.MaxSafeTensorsHeaderBytes;
        if (headerSize > (ulong)limit)
            throw new InvalidInputException(source, $"header length {headerSize:N0} exceeds the limit of {limit:N0} (InputLimits.MaxSafeTensorsHeaderBytes)");
        if (headerSize > (ulong)(length - 8))
            throw new InvalidInputException(source, $"header length {headerSize} exceeds the file ({length} bytes); the file is truncated or not safetensors");
        var json = new byte[headerSize];
        stream.ReadExactly(json);
        long dataLength = length - 8 - (long)headerSize;

        var entries = new List<Entry>();
        var metadata = new Dictionary<string, string>();
        try
        {
            // JsonNode decodes lazily: names and strings are transcoded from UTF-8 while walking, so the walk is inside.
            var header = JsonNode.Parse(json)?.AsObject() ?? throw new InvalidInputException(source, "empty header");
            foreach (var (name, node) in header)
            {
                if (name == "__metadata__")
                {
                    if (node is JsonObject meta)
                        foreach (var (k, v) in meta) metadata[k] = v?.ToString() ?? "";
                    continue;
                }
                entries.Add(ParseEntry(source, name, node, dataLength));
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
        {
            // ArgumentException: a name that appears twice (JsonObject refuses duplicate keys).
            throw new InvalidInputException(source, $"the safetensors header is not a JSON object ({e.Message})", e);
        }
        return (entries, metadata);
    }

    private static Entry ParseEntry(string source, string name, JsonNode? node, long dataLength)
    {
        string Where() => $"{source}: tensor '{name}'";
        try
        {
            var obj = node?.AsObject() ?? throw new InvalidInputException(Where(), $"entry is not an object");
            var dtypeName = obj["dtype"]?.GetValue<string>() ?? throw new InvalidInputException(Where(), $"no dtype");
            if (!DTypesByName.TryGetValue(dtypeName, out var dtype)) throw new InvalidInputException(Where(), $"unsupported dtype '{dtypeName}'");
            var shape = (obj["shape"]?.AsArray() ?? throw new InvalidInputException(Where(), $"no shape")).Select(d => d?.GetValue<long>() ?? throw new InvalidInputException(Where(), "null in shape")).ToArray();
            var offsets = obj["data_offsets"]?.AsArray() ?? throw new InvalidInputException(Where(), $"no data_offsets");
            if (offsets.Count != 2) throw new InvalidInputException(Where(), $"data_offsets must hold two numbers");
            if (offsets[0] is null || offsets[1] is null) throw new InvalidInputException(Where(), "null in data_offsets");
            long begin = offsets[0]!.GetValue<long>(), end = offsets[1]!.GetValue<long>();
            if (shape.Any(d => d < 0)) throw new InvalidInputException(Where(), $"negative dimension in shape [{string.Join(", ", shape)}]");
            // Checked: a shape whose byte count overflows must not wrap around to a size that matches the offsets.
            long expected = checked(shape.Aggregate(1L, (a, d) => a * d) * dtype.ElementSize());
            if (begin < 0 || end < begin || end - begin != expected)
                throw new InvalidInputException(Where(), $"data_offsets [{begin}, {end}] do not match shape [{string.Join(", ", shape)}] of {dtypeName} ({expected} bytes)");
            if (end > dataLength)
                throw new InvalidInputException(Where(), $"data ends at byte {end} but the file holds only {dataLength} data bytes; the file is truncated");
            return new Entry(name, dtype, shape, begin, end);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or JsonException or OverflowException)
        {
            throw new InvalidInputException(Where(), $"malformed entry ({e.Message})", e);
        }
    }
}

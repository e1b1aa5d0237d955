using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics;

namespace ResNet.MLNet.Torch.Serialization;

/// <summary>
/// Reads the tensors of a PyTorch <c>.pth</c>/<c>.pt</c> file written by <c>torch.save(model.state_dict())</c>
/// without executing anything: the pickle is run by a restricted interpreter that only builds dicts, tuples, lists,
/// scalars and tensors, and refuses every other Python global (<c>os.system</c>, <c>builtins.eval</c>, a pickled
/// <c>nn.Module</c>) with an <see cref="InvalidDataException"/> naming the file and the global.
/// </summary>
/// <remarks>
/// Both layouts of <c>torch.save</c> are read: the zip archive (PyTorch ≥ 1.6: <c>NAME/data.pkl</c>,
/// <c>NAME/data/KEY</c>, <c>NAME/version</c>, maybe <c>NAME/byteorder</c>) and the legacy stream (magic number,
/// protocol, system info and state-dict pickles, the list of storage keys, then each storage's element count and bytes).
/// A checkpoint whose state dict sits under a <c>state_dict</c>, <c>model_state_dict</c> or <c>model</c> key is read
/// from there. Floating-point tensors come back as float32 (half, bfloat16 and double are converted); integer and
/// bool tensors keep their dtype (<c>num_batches_tracked</c> stays int64). Every size, offset and stride is checked
/// against the bytes actually present, so truncated or tampered files fail with a message naming the file.
/// </remarks>
public static class PyTorchCheckpoint
{
    /// <summary>Keys under which training scripts commonly nest the state dict, tried in this order.</summary>
    public static readonly IReadOnlyList<string> NestedStateDictKeys = new[] { "state_dict", "model_state_dict", "model" };

    private static readonly BigInteger LegacyMagic = BigInteger.Parse("1950a86a20f9469cfc6c", System.Globalization.NumberStyles.HexNumber);
    private const long LegacyProtocolVersion = 1001;
    private const int MaxZipEntries = 1 << 20;

    /// <summary>Whether <paramref name="path"/> starts like a PyTorch file (a zip archive or a pickle).</summary>
    public static bool LooksLikePyTorchFile(string path)
    {
        Span<byte> head = stackalloc byte[2];
        using var stream = OpenForRead(path);
        if (stream.ReadAtLeast(head, 2, throwOnEndOfStream: false) < 2) return false;
        return (head[0] == (byte)'P' && head[1] == (byte)'K') || head[0] == 0x80;
    }

    /// <summary>
    /// Loads every tensor of the state dict in <paramref name="path"/> onto the CPU, keyed by name in file order
    /// (the caller owns and disposes them).
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a PyTorch state dict, is truncated or corrupt, or its
    /// pickle names a global other than the tensor-rebuilding ones; the message names the file.</exception>
    public static Dictionary<string, Tensor> Load(string path)
    {
        using var stream = OpenForRead(path);
        Span<byte> head = stackalloc byte[4];
        int n = stream.ReadAtLeast(head, 4, throwOnEndOfStream: false);
        stream.Position = 0;
        if (n >= 2 && head[0] == (byte)'P' && head[1] == (byte)'K') return LoadZip(stream, path);
        if (n >= 1 && head[0] == 0x80) return LoadLegacy(stream, path);
        throw new InvalidDataException($"{path}: not a PyTorch file (neither a torch.save zip archive nor a legacy pickle stream)");
    }

    // ------------------------------------------------------------------ zip layout

    private static Dictionary<string, Tensor> LoadZip(FileStream stream, string path)
    {
        try
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            if (zip.Entries.Count > MaxZipEntries) throw new InvalidDataException($"{path}: {zip.Entries.Count} zip entries; not a state dict");
            var pickles = zip.Entries.Where(e => e.FullName == "data.pkl" || (e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) && e.FullName.IndexOf('/') == e.FullName.Length - "/data.pkl".Length)).ToList();
            if (pickles.Count == 0) throw new InvalidDataException($"{path}: a zip archive without data.pkl; not a torch.save file");
            if (pickles.Count > 1) throw new InvalidDataException($"{path}: {pickles.Count} data.pkl entries ({string.Join(", ", pickles.Select(p => p.FullName))})");
            string prefix = pickles[0].FullName[..^"data.pkl".Length];

            bool bigEndian = false;
            var byteorder = zip.GetEntry(prefix + "byteorder");
            if (byteorder != null)
            {
                var text = System.Text.Encoding.ASCII.GetString(ReadEntry(byteorder, 16, path)).Trim();
                bigEndian = text switch
                {
                    "little" => false,
                    "big" => true,
                    _ => throw new InvalidDataException($"{path}: byteorder entry says '{text}', expected 'little' or 'big'"),
                };
            }

            var storages = new Dictionary<string, StorageRef>();
            var unpickler = default(RestrictedUnpickler);
            unpickler = new RestrictedUnpickler(path, pid => PersistentStorage(unpickler!, pid, storages, legacy: false));
            var pickle = ReadEntry(pickles[0], RestrictedUnpickler.MaxPickleBytes, path);
            var root = unpickler.Load(pickle, 0, pickle.Length, out _);

            var cache = new Dictionary<string, byte[]>();
            byte[] StorageBytes(StorageRef s)
            {
                if (cache.TryGetValue(s.Key, out var b)) return b;
                var entry = zip.GetEntry(prefix + "data/" + s.Key)
                            ?? throw new InvalidDataException($"{path}: storage '{s.Key}' has no entry {prefix}data/{s.Key}; the archive is incomplete");
                long expected = StorageByteLength(s, path);
                if (entry.Length != expected)
                    throw new InvalidDataException($"{path}: entry {entry.FullName} holds {entry.Length} bytes but its storage declares {s.Numel} × {s.DType} = {expected} bytes");
                b = ReadEntry(entry, expected, path);
                if (bigEndian) SwapBytes(b, s.DType.ElementSize());
                cache[s.Key] = b;
                return b;
            }
            return Materialise(root, path, s => StorageBytes(s));
        }
        catch (Exception e) when (e is IOException or NotSupportedException or ArgumentException)
        {
            // System.IO.Compression reports a damaged archive with these; the caller only needs to know the file is bad.
            throw new InvalidDataException($"{path}: damaged zip archive ({e.Message})", e);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: damaged zip archive ({e.Message})", e);
        }
    }

    private static byte[] ReadEntry(ZipArchiveEntry entry, long maxBytes, string path)
    {
        if (entry.Length > maxBytes || entry.Length > Array.MaxLength)
            throw new InvalidDataException($"{path}: entry {entry.FullName} declares {entry.Length} bytes, more than the {maxBytes} expected");
        var buffer = new byte[entry.Length];
        using var s = entry.Open();
        int read = s.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        if (read < buffer.Length) throw new InvalidDataException($"{path}: entry {entry.FullName} ends after {read} of {buffer.Length} bytes; the file is truncated");
        return buffer;
    }

    // ------------------------------------------------------------------ legacy layout

    private static Dictionary<string, Tensor> LoadLegacy(FileStream stream, string path)
    {
        if (stream.Length > Array.MaxLength) throw new InvalidDataException($"{path}: a legacy PyTorch file larger than 2 GiB is not supported; re-save it with torch.save (zip format)");
        var data = new byte[stream.Length];
        stream.ReadExactly(data);

        var storages = new Dictionary<string, StorageRef>();
        var unpickler = default(RestrictedUnpickler);
        unpickler = new RestrictedUnpickler(path, pid => PersistentStorage(unpickler!, pid, storages, legacy: true));
        int pos = 0;
        object? Next() => unpickler.Load(data, pos, (int)Math.Min(data.Length, (long)pos + RestrictedUnpickler.MaxPickleBytes), out pos);

        var magic = Next();
        if (magic is not BigInteger m || m != LegacyMagic)
            throw new InvalidDataException($"{path}: a pickle but not a torch.save file (no PyTorch magic number); only tensor state dicts are read");
        if (Next() is not long protocol || protocol != LegacyProtocolVersion)
            throw new InvalidDataException($"{path}: unsupported legacy torch.save protocol version");
        bool bigEndian = Next() is PyDict info && info.TryGet("little_endian", out var little) && little is false;
        var root = Next();
        if (Next() is not PyList keyList || keyList.Items.Any(k => k is not string))
            throw new InvalidDataException($"{path}: the legacy storage key list is missing or malformed");

        // The tail holds each storage in key order: an int64 element count, then the raw elements.
        var spans = new Dictionary<string, (int Start, int Length)>();
        foreach (string key in keyList.Items.Cast<string>())
        {
            if (!storages.TryGetValue(key, out var s)) throw new InvalidDataException($"{path}: storage key '{key}' is listed but never referenced");
            if (data.Length - pos < 8) throw new InvalidDataException($"{path}: storage '{key}' is missing; the file is truncated");
            long numel = BinaryPrimitives.ReadInt64LittleEndian(data.AsSpan(pos, 8));
            if (bigEndian) numel = BinaryPrimitives.ReverseEndianness(numel);
            pos += 8;
            if (numel != s.Numel) throw new InvalidDataException($"{path}: storage '{key}' holds {numel} elements but its reference declares {s.Numel}");
            long bytes = StorageByteLength(s, path);
            if (bytes > data.Length - pos) throw new InvalidDataException($"{path}: storage '{key}' needs {bytes} bytes but only {data.Length - pos} remain; the file is truncated");
            if (spans.ContainsKey(key)) throw new InvalidDataException($"{path}: storage '{key}' is listed twice");
            spans[key] = (pos, (int)bytes);
            pos += (int)bytes;
        }
        var cache = new Dictionary<string, byte[]>();
        return Materialise(root, path, s =>
        {
            if (cache.TryGetValue(s.Key, out var b)) return b;
            if (!spans.TryGetValue(s.Key, out var span)) throw new InvalidDataException($"{path}: storage '{s.Key}' is referenced but not stored");
            b = data.AsSpan(span.Start, span.Length).ToArray();
            if (bigEndian) SwapBytes(b, s.DType.ElementSize());
            return cache[s.Key] = b;
        });
    }

    // ------------------------------------------------------------------ shared

    private static object PersistentStorage(RestrictedUnpickler unpickler, PyTuple pid, Dictionary<string, StorageRef> storages, bool legacy)
    {
        // zip: ('storage', StorageType, key, location, numel); legacy adds view_metadata (None since PyTorch 0.4).
        int expected = legacy ? 6 : 5;
        var a = pid.Items;
        if (pid.Count != expected || a[0] is not "storage")
            throw unpickler.Fail($"persistent id is not a ('storage', type, key, location, numel{(legacy ? ", view" : "")}) tuple");
        var dtype = unpickler.StorageDType(a[1]);
        if (a[2] is not string key || key.Length == 0 || key.Length > 64 || !key.All(char.IsAsciiLetterOrDigit))
            throw unpickler.Fail($"storage key {(a[2] is string k ? $"'{k[..Math.Min(k.Length, 64)]}'" : PyTypes.NameOf(a[2]))} is not a short alphanumeric name");
        if (a[3] is not string location) throw unpickler.Fail($"storage '{key}' has no location string");
        if (a[4] is not long numel || numel < 0) throw unpickler.Fail($"storage '{key}' has a bad element count");
        if (legacy && a[5] is not null) throw unpickler.Fail($"storage '{key}' is a storage view (pre-0.4 PyTorch); re-save the file with a recent torch.save");
        if (storages.TryGetValue(key, out var known))
        {
            if (known.DType != dtype || known.Numel != numel)
                throw unpickler.Fail($"storage '{key}' is declared twice with different types or sizes");
            return known;
        }
        return storages[key] = new StorageRef { Key = key, DType = dtype, Numel = numel, Location = location };
    }

    private static long StorageByteLength(StorageRef s, string path)
    {
        long es = s.DType.ElementSize();
        if (s.Numel > Array.MaxLength / es) throw new InvalidDataException($"{path}: storage '{s.Key}' of {s.Numel} {s.DType} elements is larger than 2 GiB");
        return s.Numel * es;
    }

    private static PyDict FindStateDict(object? root, string path)
    {
        if (root is not PyDict dict)
            throw new InvalidDataException($"{path}: the pickle holds a {PyTypes.NameOf(root)}, not a state dict");
        foreach (var key in NestedStateDictKeys)
            if (dict.TryGet(key, out var inner) && inner is PyDict nested) return nested;
        return dict;
    }

    private static Dictionary<string, Tensor> Materialise(object? root, string path, Func<StorageRef, byte[]> storageBytes)
    {
        var dict = FindStateDict(root, path);
        foreach (var (key, value) in dict.Entries)
        {
            if (key is not string name) throw new InvalidDataException($"{path}: state dict key {key} is a {PyTypes.NameOf(key)}, not a string");
            if (value is not TensorRef)
                throw new InvalidDataException($"{path}: '{name}' is a {PyTypes.NameOf(value)}, not a tensor; only tensor state dicts are read");
        }
        var result = new Dictionary<string, Tensor>();
        try
        {
            foreach (var (key, value) in dict.Entries)
                result[(string)key] = ToTensor((TensorRef)value!, storageBytes(((TensorRef)value!).Storage));
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        return result;
    }

    private static Tensor ToTensor(TensorRef t, byte[] storage)
    {
        int es = t.Storage.DType.ElementSize();
        long numel = t.Shape.Aggregate(1L, (a, d) => a * d);  // bounded by RestrictedUnpickler.RebuildTensor
        var bytes = new byte[numel * es];
        if (numel > 0)
        {
            if (IsContiguous(t.Shape, t.Stride))
                storage.AsSpan((int)(t.Offset * es), bytes.Length).CopyTo(bytes);
            else
                Gather(storage, t, es, bytes);
        }
        var raw = Tensor.FromBytes(bytes, t.Shape, t.Storage.DType).DetachFromScope();
        // Our modules hold float32 weights; converting here keeps half/bf16/double checkpoints loadable by name.
        if (t.Storage.DType is not (DType.Float16 or DType.BFloat16 or DType.Float64)) return raw;
        using (raw) return raw.To(DType.Float32).DetachFromScope();
    }

    private static bool IsContiguous(long[] shape, long[] stride)
    {
        long expected = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            if (shape[i] != 1 && stride[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    private static void Gather(byte[] storage, TensorRef t, int es, byte[] destination)
    {
        // Walks the view in row-major order with an odometer over the indices; bounds were checked when parsed.
        int nd = t.Shape.Length;
        var index = new long[nd];
        long src = t.Offset;
        int count = destination.Length / es;
        for (int n = 0; n < count; n++)
        {
            Buffer.BlockCopy(storage, (int)(src * es), destination, n * es, es);
            for (int d = nd - 1; d >= 0; d--)
            {
                if (++index[d] < t.Shape[d]) { src += t.Stride[d]; break; }
                src -= (t.Shape[d] - 1) * t.Stride[d];
                index[d] = 0;
            }
        }
    }

    private static void SwapBytes(byte[] data, int elementSize)
    {
        if (elementSize == 1) return;
        for (int i = 0; i + elementSize <= data.Length; i += elementSize) Array.Reverse(data, i, elementSize);
    }

    private static FileStream OpenForRead(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"PyTorch file not found: {path}", path);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
    }
}

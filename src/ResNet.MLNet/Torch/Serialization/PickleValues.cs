using System.Numerics;

namespace ResNet.MLNet.Torch.Serialization;

// The Python values the restricted unpickler can produce. Scalars are plain .NET values (null, bool, long,
// BigInteger, double, string, byte[]); containers and the few allowed callables are these classes. None of them
// can run code: a "call" is a switch over the whitelist in RestrictedUnpickler.

/// <summary>A Python tuple.</summary>
internal sealed class PyTuple
{
    public PyTuple(object?[] items) => Items = items;
    public object?[] Items { get; }
    public int Count => Items.Length;
}

/// <summary>A Python list.</summary>
internal sealed class PyList
{
    public List<object?> Items { get; } = new();
}

/// <summary>A Python dict or OrderedDict, keeping insertion order. Keys are limited to str, int and bool, which is
/// all a state dict (or the legacy header) uses and keeps hashing free of user-defined equality.</summary>
internal sealed class PyDict
{
    private readonly List<KeyValuePair<object, object?>> _entries = new();
    private readonly Dictionary<object, int> _index = new();

    public bool Ordered { get; init; }

    /// <summary>The object's <c>__dict__</c> update from BUILD (OrderedDict's <c>_metadata</c>); kept, never interpreted.</summary>
    public object? State { get; set; }

    public IReadOnlyList<KeyValuePair<object, object?>> Entries => _entries;

    public int Count => _entries.Count;

    /// <summary>Sets <paramref name="key"/>; false when the key type is not allowed.</summary>
    public bool TrySet(object? key, object? value)
    {
        if (key is not (string or long or bool)) return false;
        if (_index.TryGetValue(key, out var i)) _entries[i] = new(key, value);
        else
        {
            _index[key] = _entries.Count;
            _entries.Add(new(key, value));
        }
        return true;
    }

    public bool TryGet(string key, out object? value)
    {
        if (_index.TryGetValue(key, out var i))
        {
            value = _entries[i].Value;
            return true;
        }
        value = null;
        return false;
    }
}

/// <summary>What an allowed global stands for.</summary>
internal enum GlobalKind { OrderedDict, RebuildTensorV2, RebuildParameter, StorageType }

/// <summary>A reference to one of the allowed Python globals (never anything else).</summary>
internal sealed record PyGlobal(string Module, string Name, GlobalKind Kind, DType StorageDType = DType.Float32)
{
    public string FullName => Module + "." + Name;
}

/// <summary>A storage named by a persistent id: its bytes live outside the pickle (a zip entry or the legacy tail).</summary>
internal sealed class StorageRef
{
    public required string Key { get; init; }
    public required DType DType { get; init; }
    public required long Numel { get; init; }
    public required string Location { get; init; }
}

/// <summary>A tensor as <c>_rebuild_tensor_v2</c> describes it: a strided view of a storage, still unmaterialised.</summary>
internal sealed class TensorRef
{
    public required StorageRef Storage { get; init; }
    public required long Offset { get; init; }
    public required long[] Shape { get; init; }
    public required long[] Stride { get; init; }
}

internal static class PyTypes
{
    /// <summary>The Python type name of a value, for error messages.</summary>
    public static string NameOf(object? v) => v switch
    {
        null => "None",
        bool => "bool",
        long or BigInteger => "int",
        double => "float",
        string => "str",
        byte[] => "bytes",
        PyTuple => "tuple",
        PyList => "list",
        PyDict d => d.Ordered ? "OrderedDict" : "dict",
        PyGlobal g => g.FullName,
        StorageRef => "storage",
        TensorRef => "tensor",
        _ => v.GetType().Name,
    };
}

using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace ResNet.MLNet.Torch.Serialization;

/// <summary>
/// A pickle interpreter that can only build data: the opcodes <c>torch.save</c> emits for state dicts (protocol 2,
/// plus the few protocol 3–4 ones a newer writer may use), and calls to a fixed whitelist of globals
/// (<c>collections.OrderedDict</c>, <c>torch._utils._rebuild_tensor_v2</c>, <c>torch._utils._rebuild_parameter</c>,
/// <c>torch.*Storage</c> as persistent-id tags). Every other global is refused when it is named, before anything
/// could call it, so a hostile <c>__reduce__</c> (<c>os.system</c>, <c>builtins.eval</c>) never runs.
/// Every malformed input ends in an <see cref="InvalidDataException"/> naming the source.
/// </summary>
internal sealed class RestrictedUnpickler
{
    /// <summary>The largest pickle accepted; resnet152's state dict pickle is ~60 KB, so this only stops abuse.</summary>
    public const int MaxPickleBytes = 64 << 20;
    private const int MaxStackItems = 1 << 20;
    private const int MaxMarkDepth = 4096;
    private const int MaxMemoEntries = 1 << 20;
    private const int MaxGlobalNameBytes = 256;
    private const int MaxDims = 64;
    // Stride-0 views may legitimately have more elements than their storage, but not unboundedly more.
    private const long MaxExpandedElements = 1L << 24;

    private static readonly Dictionary<string, DType> StorageTypes = new()
    {
        ["FloatStorage"] = DType.Float32, ["DoubleStorage"] = DType.Float64, ["HalfStorage"] = DType.Float16,
        ["BFloat16Storage"] = DType.BFloat16, ["LongStorage"] = DType.Int64, ["IntStorage"] = DType.Int32,
        ["ShortStorage"] = DType.Int16, ["CharStorage"] = DType.Int8, ["ByteStorage"] = DType.UInt8,
        ["BoolStorage"] = DType.Bool, ["UntypedStorage"] = DType.UInt8,
    };

    private static readonly Dictionary<string, string> Python2Modules = new()
    {
        ["__builtin__"] = "builtins", ["copy_reg"] = "copyreg", ["exceptions"] = "builtins",
    };

    private readonly string _source;
    private readonly Func<PyTuple, object> _persistentLoad;
    private readonly List<object?> _stack = new();
    private readonly List<int> _marks = new();
    private readonly Dictionary<uint, object?> _memo = new();
    private byte[] _data = Array.Empty<byte>();
    private int _pos;
    private int _end;
    private int _opStart;

    /// <param name="source">Names the file in every error message.</param>
    /// <param name="persistentLoad">Resolves a BINPERSID tuple (a storage reference) to a value.</param>
    public RestrictedUnpickler(string source, Func<PyTuple, object> persistentLoad)
    {
        _source = source;
        _persistentLoad = persistentLoad;
    }

    /// <summary>The error for malformed input at the current opcode.</summary>
    public InvalidDataException Fail(string message) => new($"{_source}: {message} (pickle byte {_opStart})");

    /// <summary>Runs the pickle in <paramref name="data"/>[<paramref name="start"/>..<paramref name="end"/>) up to
    /// its STOP opcode and returns the value; <paramref name="next"/> is the byte after STOP.</summary>
    public object? Load(byte[] data, int start, int end, out int next)
    {
        if (end - start > MaxPickleBytes)
            throw new InvalidDataException($"{_source}: the pickle is {end - start} bytes, more than the {MaxPickleBytes >> 20} MiB limit for a state dict");
        _data = data;
        _pos = start;
        _end = end;
        _stack.Clear();
        _marks.Clear();
        _memo.Clear();
        while (true)
        {
            _opStart = _pos;
            byte op = ReadByte();
            switch (op)
            {
                case 0x80: // PROTO
                    if (ReadByte() > 5) throw Fail("unsupported pickle protocol");
                    break;
                case 0x95: // FRAME (protocol 4): only a size hint for buffered readers
                    ReadSpan(8);
                    break;
                case (byte)'.': // STOP
                    next = _pos;
                    return Pop();
                case (byte)'(': // MARK
                    if (_marks.Count >= MaxMarkDepth) throw Fail($"more than {MaxMarkDepth} nested marks");
                    _marks.Add(_stack.Count);
                    break;
                case (byte)'0': // POP
                    Pop();
                    break;
                case (byte)'1': // POP_MARK
                    PopMark();
                    break;
                case (byte)'2': // DUP
                    Push(Peek());
                    break;
                case (byte)'}': Push(new PyDict()); break;           // EMPTY_DICT
                case (byte)']': Push(new PyList()); break;           // EMPTY_LIST
                case (byte)')': Push(new PyTuple(Array.Empty<object?>())); break; // EMPTY_TUPLE
                case (byte)'t': Push(new PyTuple(PopMark())); break; // TUPLE
                case 0x85: Push(new PyTuple(PopN(1))); break;        // TUPLE1
                case 0x86: Push(new PyTuple(PopN(2))); break;        // TUPLE2
                case 0x87: Push(new PyTuple(PopN(3))); break;        // TUPLE3
                case (byte)'l': // LIST
                {
                    var list = new PyList();
                    list.Items.AddRange(PopMark());
                    Push(list);
                    break;
                }
                case (byte)'d': // DICT
                {
                    var dict = new PyDict();
                    SetItems(dict, PopMark());
                    Push(dict);
                    break;
                }
                case (byte)'a': // APPEND
                {
                    var v = Pop();
                    TopAs<PyList>("APPEND").Items.Add(v);
                    break;
                }
                case (byte)'e': // APPENDS
                {
                    var items = PopMark();
                    TopAs<PyList>("APPENDS").Items.AddRange(items);
                    break;
                }
                case (byte)'s': // SETITEM
                {
                    var v = Pop();
                    var k = Pop();
                    SetItems(TopAs<PyDict>("SETITEM"), new[] { k, v });
                    break;
                }
                case (byte)'u': // SETITEMS
                {
                    var items = PopMark();
                    SetItems(TopAs<PyDict>("SETITEMS"), items);
                    break;
                }
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(ReadSpan(4))); break;  // BININT
                case (byte)'K': Push((long)ReadByte()); break;                                            // BININT1
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(ReadSpan(2))); break; // BININT2
                case 0x8a: Push(ReadLong(ReadByte())); break;                                               // LONG1
                case 0x8b: // LONG4
                {
                    int n = BinaryPrimitives.ReadInt32LittleEndian(ReadSpan(4));
                    if (n < 0 || n > 1024) throw Fail($"LONG4 of {n} bytes");
                    Push(ReadLong(n));
                    break;
                }
                case (byte)'N': Push(null); break;  // NONE
                case 0x88: Push(true); break;       // NEWTRUE
                case 0x89: Push(false); break;      // NEWFALSE
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(ReadSpan(8))); break; // BINFLOAT
                case (byte)'X': Push(ReadUtf8(ReadLength(4))); break;  // BINUNICODE
                case 0x8c: Push(ReadUtf8(ReadByte())); break;          // SHORT_BINUNICODE
                case 0x8d: Push(ReadUtf8(ReadLength(8))); break;       // BINUNICODE8
                case (byte)'T': Push(Encoding.Latin1.GetString(ReadSpan(ReadLength(4)))); break; // BINSTRING (Python 2 str)
                case (byte)'U': Push(Encoding.Latin1.GetString(ReadSpan(ReadByte()))); break;    // SHORT_BINSTRING
                case (byte)'B': Push(ReadSpan(ReadLength(4)).ToArray()); break; // BINBYTES
                case (byte)'C': Push(ReadSpan(ReadByte()).ToArray()); break;    // SHORT_BINBYTES
                case (byte)'c': // GLOBAL: "module\nname\n"
                {
                    var module = ReadLine();
                    var name = ReadLine();
                    Push(ResolveGlobal(module, name));
                    break;
                }
                case 0x93: // STACK_GLOBAL
                {
                    var name = Pop();
                    var module = Pop();
                    if (module is not string m || name is not string n) throw Fail("STACK_GLOBAL needs two strings");
                    Push(ResolveGlobal(m, n));
                    break;
                }
                case (byte)'q': Memoize(ReadByte()); break;                                                  // BINPUT
                case (byte)'r': Memoize(BinaryPrimitives.ReadUInt32LittleEndian(ReadSpan(4))); break;      // LONG_BINPUT
                case 0x94: Memoize((uint)_memo.Count); break;                                               // MEMOIZE
                case (byte)'h': Push(MemoGet(ReadByte())); break;                                           // BINGET
                case (byte)'j': Push(MemoGet(BinaryPrimitives.ReadUInt32LittleEndian(ReadSpan(4)))); break; // LONG_BINGET
                case (byte)'R': // REDUCE
                {
                    var args = Pop();
                    var func = Pop();
                    if (func is not PyGlobal g) throw Fail($"REDUCE on a {PyTypes.NameOf(func)}, not a callable");
                    if (args is not PyTuple t) throw Fail($"REDUCE of {g.FullName} with {PyTypes.NameOf(args)} arguments, not a tuple");
                    Push(Call(g, t));
                    break;
                }
                case (byte)'b': // BUILD: only OrderedDict's attribute dict (state_dict()._metadata) is expected
                {
                    var state = Pop();
                    var target = Peek();
                    if (target is not PyDict d) throw Fail($"BUILD on a {PyTypes.NameOf(target)}; only tensor state dicts are read");
                    d.State = state;
                    break;
                }
                case (byte)'Q': // BINPERSID
                {
                    var pid = Pop();
                    if (pid is not PyTuple t) throw Fail($"persistent id is a {PyTypes.NameOf(pid)}, not a tuple");
                    Push(_persistentLoad(t));
                    break;
                }
                default:
                    throw Fail($"unsupported pickle opcode 0x{op:x2}{(op is >= 0x20 and < 0x7f ? $" ('{(char)op}')" : "")}; only tensor state dicts are read");
            }
        }
    }

    // ------------------------------------------------------------------ globals and calls

    private PyGlobal ResolveGlobal(string module, string name)
    {
        if (module == "collections" && name == "OrderedDict") return new(module, name, GlobalKind.OrderedDict);
        if (module == "torch._utils" && name == "_rebuild_tensor_v2") return new(module, name, GlobalKind.RebuildTensorV2);
        if (module == "torch._utils" && name == "_rebuild_parameter") return new(module, name, GlobalKind.RebuildParameter);
        if (module == "torch" && StorageTypes.TryGetValue(name, out var dtype)) return new(module, name, GlobalKind.StorageType, dtype);
        // Protocol-2 pickles spell Python 3's modules the Python 2 way; name the module Python would import.
        string shown = Printable(Python2Modules.GetValueOrDefault(module, module)) + "." + Printable(name);
        string hint = module.StartsWith("torch", StringComparison.Ordinal) || module.StartsWith("torchvision", StringComparison.Ordinal) || module.StartsWith("timm", StringComparison.Ordinal)
            ? " (a whole pickled model or optimizer? save model.state_dict() instead)" : "";
        throw new InvalidDataException($"{_source}: refuses to call {shown}; only tensor state dicts are read{hint}");
    }

    private object Call(PyGlobal g, PyTuple args)
    {
        switch (g.Kind)
        {
            case GlobalKind.OrderedDict:
                if (args.Count != 0) throw Fail($"collections.OrderedDict called with {args.Count} arguments; torch.save passes none");
                return new PyDict { Ordered = true };
            case GlobalKind.RebuildTensorV2:
                return RebuildTensor(args);
            case GlobalKind.RebuildParameter:
                // (data, requires_grad, backward_hooks): a Parameter is its data for our purposes.
                if (args.Count != 3 || args.Items[0] is not TensorRef data)
                    throw Fail("torch._utils._rebuild_parameter expects (tensor, requires_grad, hooks)");
                CheckNoHooks(args.Items[2], "_rebuild_parameter");
                return data;
            default:
                throw Fail($"refuses to call {g.FullName}: storage types only tag persistent ids");
        }
    }

    private TensorRef RebuildTensor(PyTuple args)
    {
        // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
        if (args.Count is not (6 or 7)) throw Fail($"torch._utils._rebuild_tensor_v2 with {args.Count} arguments; expected 6 or 7");
        var a = args.Items;
        if (a[0] is not StorageRef storage) throw Fail($"_rebuild_tensor_v2: first argument is a {PyTypes.NameOf(a[0])}, not a storage");
        if (a[1] is not long offset || offset < 0) throw Fail($"_rebuild_tensor_v2: bad storage offset {Describe(a[1])}");
        var shape = Dims(a[2], "size");
        var stride = Dims(a[3], "stride");
        if (shape.Length != stride.Length) throw Fail($"_rebuild_tensor_v2: size [{string.Join(", ", shape)}] and stride [{string.Join(", ", stride)}] differ in length");
        if (a[4] is not bool) throw Fail("_rebuild_tensor_v2: requires_grad is not a bool");
        CheckNoHooks(a[5], "_rebuild_tensor_v2");
        if (args.Count == 7 && a[6] is not (null or PyDict)) throw Fail("_rebuild_tensor_v2: metadata is not a dict");

        // The view must stay inside its storage: the last element it touches is offset + Σ (size_i − 1)·stride_i.
        try
        {
            checked
            {
                long numel = 1, last = offset;
                for (int i = 0; i < shape.Length; i++) numel *= shape[i];
                if (numel == 0)
                {
                    if (offset > storage.Numel) throw Fail($"storage offset {offset} is beyond the storage '{storage.Key}' of {storage.Numel} elements");
                }
                else
                {
                    for (int i = 0; i < shape.Length; i++) last += (shape[i] - 1) * stride[i];
                    if (last >= storage.Numel)
                        throw Fail($"a tensor of size [{string.Join(", ", shape)}], stride [{string.Join(", ", stride)}] at offset {offset} reaches element {last} of storage '{storage.Key}', which holds {storage.Numel}");
                    if (numel > storage.Numel && numel > MaxExpandedElements)
                        throw Fail($"a tensor of {numel} elements expands storage '{storage.Key}' of {storage.Numel} elements beyond the limit");
                    if (numel * storage.DType.ElementSize() > int.MaxValue)
                        throw Fail($"a tensor of size [{string.Join(", ", shape)}] is larger than 2 GiB");
                }
            }
        }
        catch (OverflowException)
        {
            throw Fail($"tensor size [{string.Join(", ", shape)}] / stride [{string.Join(", ", stride)}] overflow");
        }
        return new TensorRef { Storage = storage, Offset = offset, Shape = shape, Stride = stride };
    }

    private void CheckNoHooks(object? hooks, string where)
    {
        // Hooks would be arbitrary callables; torch.save writes an empty OrderedDict (or None).
        if (hooks is null) return;
        if (hooks is not PyDict d || d.Count != 0) throw Fail($"{where}: backward hooks are not an empty dict");
    }

    private long[] Dims(object? value, string what)
    {
        if (value is not PyTuple t) throw Fail($"_rebuild_tensor_v2: {what} is a {PyTypes.NameOf(value)}, not a tuple");
        if (t.Count > MaxDims) throw Fail($"_rebuild_tensor_v2: {t.Count} dimensions (more than {MaxDims})");
        var dims = new long[t.Count];
        for (int i = 0; i < dims.Length; i++)
        {
            if (t.Items[i] is not long d || d < 0) throw Fail($"_rebuild_tensor_v2: {what}[{i}] is {Describe(t.Items[i])}, not a non-negative int");
            dims[i] = d;
        }
        return dims;
    }

    private static string Describe(object? v) => v is long or string or bool or double ? v.ToString()! : PyTypes.NameOf(v);

    /// <summary>Validates a persistent-id storage tag and returns its dtype.</summary>
    public DType StorageDType(object? tag)
    {
        if (tag is PyGlobal { Kind: GlobalKind.StorageType } g) return g.StorageDType;
        throw Fail($"persistent id names {PyTypes.NameOf(tag)}, not a torch storage type");
    }

    // ------------------------------------------------------------------ stack, memo

    private void Push(object? v)
    {
        if (_stack.Count >= MaxStackItems) throw Fail($"pickle stack deeper than {MaxStackItems} items");
        _stack.Add(v);
    }

    private object? Pop()
    {
        int n = _stack.Count;
        if (n == 0 || (_marks.Count > 0 && _marks[^1] == n)) throw Fail("pickle stack underflow");
        var v = _stack[n - 1];
        _stack.RemoveAt(n - 1);
        return v;
    }

    private object? Peek()
    {
        int n = _stack.Count;
        if (n == 0 || (_marks.Count > 0 && _marks[^1] == n)) throw Fail("pickle stack underflow");
        return _stack[n - 1];
    }

    private T TopAs<T>(string opcode) where T : class
    {
        var top = Peek();
        return top as T ?? throw Fail($"{opcode} on a {PyTypes.NameOf(top)}");
    }

    private object?[] PopN(int n)
    {
        int floor = _marks.Count > 0 ? _marks[^1] : 0;
        if (_stack.Count - floor < n) throw Fail("pickle stack underflow");
        var items = _stack.GetRange(_stack.Count - n, n).ToArray();
        _stack.RemoveRange(_stack.Count - n, n);
        return items;
    }

    private object?[] PopMark()
    {
        if (_marks.Count == 0) throw Fail("no MARK on the pickle stack");
        int mark = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        var items = _stack.GetRange(mark, _stack.Count - mark).ToArray();
        _stack.RemoveRange(mark, _stack.Count - mark);
        return items;
    }

    private void SetItems(PyDict dict, object?[] items)
    {
        if (items.Length % 2 != 0) throw Fail("odd number of items for a dict");
        for (int i = 0; i < items.Length; i += 2)
            if (!dict.TrySet(items[i], items[i + 1])) throw Fail($"dict key of type {PyTypes.NameOf(items[i])}; only str and int keys are read");
    }

    private void Memoize(uint index)
    {
        if (!_memo.ContainsKey(index) && _memo.Count >= MaxMemoEntries) throw Fail($"more than {MaxMemoEntries} memo entries");
        _memo[index] = Peek();
    }

    private object? MemoGet(uint index) =>
        _memo.TryGetValue(index, out var v) ? v : throw Fail($"memo index {index} was never stored");

    // ------------------------------------------------------------------ reading

    private byte ReadByte()
    {
        if (_pos >= _end) throw Fail("the pickle ends before its STOP opcode; the file is truncated");
        return _data[_pos++];
    }

    private ReadOnlySpan<byte> ReadSpan(int n)
    {
        if (n < 0 || n > _end - _pos) throw Fail($"a {n}-byte field runs past the end of the pickle; the file is truncated");
        var span = new ReadOnlySpan<byte>(_data, _pos, n);
        _pos += n;
        return span;
    }

    private int ReadLength(int width)
    {
        var span = ReadSpan(width);
        ulong n = width == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(span) : BinaryPrimitives.ReadUInt64LittleEndian(span);
        if (n > (ulong)(_end - _pos)) throw Fail($"a {n}-byte string runs past the end of the pickle; the file is truncated");
        return (int)n;
    }

    private string ReadUtf8(int n)
    {
        var bytes = ReadSpan(n);
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw Fail("a string is not valid UTF-8");
        }
    }

    private string ReadLine()
    {
        int limit = Math.Min(_end, _pos + MaxGlobalNameBytes);
        int nl = Array.IndexOf(_data, (byte)'\n', _pos, limit - _pos);
        if (nl < 0) throw Fail("GLOBAL name without an end of line");
        var s = Encoding.UTF8.GetString(_data, _pos, nl - _pos);
        _pos = nl + 1;
        return s;
    }

    private object ReadLong(int n)
    {
        var bytes = ReadSpan(n);
        if (n == 0) return 0L;
        var big = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
        return big >= long.MinValue && big <= long.MaxValue ? (long)big : big;
    }

    private static string Printable(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (var c in s.Length > 100 ? s[..100] : s) sb.Append(char.IsControl(c) ? '?' : c);
        return sb.ToString();
    }
}

using System.Runtime.InteropServices;
using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Modules;

namespace ResNet.MLNet.Export;

/// <summary>
/// The ONNX graph under construction while a model is exported (see <see cref="OnnxExporter"/>, <see cref="IOnnxExportable"/>). Tracks the
/// static shape of every value, with the batch axis (dimension 0) dynamic and written as -1; names nodes, values and
/// weights after the module path that created them (<c>layer2.0.conv1</c>, <c>layer2.0.conv1.weight</c>).
/// </summary>
public sealed class OnnxGraphBuilder
{
    private readonly Dictionary<Module, string> _paths = new(ReferenceEqualityComparer.Instance);
    private readonly Stack<string> _scope = new();
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (OnnxElementType Type, long[] Shape)> _values = new(StringComparer.Ordinal);

    internal List<OnnxNode> Nodes { get; } = new();
    internal Dictionary<string, OnnxInitializer> Initializers { get; } = new(StringComparer.Ordinal);
    internal List<string> InitializerOrder { get; } = new();

    internal OnnxGraphBuilder(Module root, IEnumerable<string> reservedNames)
    {
        foreach (var (path, module) in root.NamedModules())
            _paths.TryAdd(module, path);
        foreach (var name in reservedNames) _names.Add(name);
        _scope.Push("");
    }

    /// <summary>The module path being exported ("" for the model itself).</summary>
    public string CurrentPath => _scope.Peek();

    /// <summary>Declares a graph input value (batch axis dynamic).</summary>
    internal void DeclareInput(string name, OnnxElementType type, long[] shape) => _values[name] = (type, (long[])shape.Clone());

    /// <summary>The shape of a value; dimension 0 is the batch axis, -1 (dynamic).</summary>
    public long[] ShapeOf(string value) =>
        _values.TryGetValue(value, out var v) ? (long[])v.Shape.Clone() : throw new ArgumentException($"no value named '{value}' in the graph");

    internal OnnxElementType TypeOf(string value) => _values[value].Type;

    /// <summary>
    /// Exports <paramref name="module"/> (a child of the module being exported) applied to <paramref name="input"/>
    /// and returns its output value: a module implementing <see cref="IOnnxExportable"/> writes itself; the library's
    /// torch layers, blocks and networks are written by the exporter. Throws <see cref="NotSupportedException"/> naming
    /// the module's path and type for any other module.
    /// </summary>
    public string Export(Module module, string input)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (!_paths.TryGetValue(module, out var path))
            path = Join(CurrentPath, module.GetType().Name);
        _scope.Push(path);
        string? output;
        try
        {
            output = module is IOnnxExportable own
                ? own.ExportOnnx(this, input)
                : LayerExport.TryWrite(this, module, input) ?? NetworkExport.TryWrite(this, module, input);
        }
        finally
        {
            _scope.Pop();
        }
        return output ?? throw new NotSupportedException(
            $"{(path.Length == 0 ? "(the model itself)" : path)}: {module.GetType().Name} cannot be exported to ONNX " +
            $"(it is none of the library's layers or networks and does not implement {nameof(IOnnxExportable)})");
    }

    /// <summary>Adds a float weight copied from <paramref name="tensor"/> (any device or dtype); returns its name
    /// (<c>path.hint</c>, made unique).</summary>
    public string Constant(string hint, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using var scope = TensorScope.Begin();
        using var noGrad = Autograd.NoGrad();
        var cpu = tensor.Detach().To(Device.Cpu).To(DType.Float32).Contiguous();
        var raw = new byte[checked(cpu.NumElements * sizeof(float))];
        cpu.CopyBytesTo(raw);
        return AddInitializer(hint, OnnxElementType.Float, tensor.Shape, raw);
    }

    /// <summary>Adds a float constant of shape <paramref name="dims"/>; returns its name.</summary>
    public string Constant(string hint, float[] data, params long[] dims) =>
        AddInitializer(hint, OnnxElementType.Float, dims, MemoryMarshal.AsBytes(data.AsSpan()).ToArray(), data.Length);

    /// <summary>Adds an int64 constant of shape <paramref name="dims"/> (shapes, axes, pads); returns its name.</summary>
    public string Constant(string hint, long[] data, params long[] dims) =>
        AddInitializer(hint, OnnxElementType.Int64, dims, MemoryMarshal.AsBytes(data.AsSpan()).ToArray(), data.Length);

    /// <summary>Removes a constant no node reads any more.</summary>
    internal void RemoveInitializer(string name)
    {
        Initializers.Remove(name);
        InitializerOrder.Remove(name);
        _values.Remove(name);
    }

    /// <summary>Adds a constant of any element type from its little-endian raw bytes; returns its name.</summary>
    internal string AddInitializer(string hint, OnnxElementType type, long[] dims, byte[] raw, long? count = null)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw_data is little-endian; this machine is not");
        long elements = dims.Aggregate(1L, (a, d) => a * d);
        if (count is { } n && n != elements)
            throw new ArgumentException($"a constant of shape [{string.Join(", ", dims)}] needs {elements} values, got {n}");
        var name = Unique(Join(CurrentPath, hint));
        Initializers[name] = new OnnxInitializer { Name = name, ElementType = type, Dims = (long[])dims.Clone(), Raw = raw };
        InitializerOrder.Add(name);
        _values[name] = (type, (long[])dims.Clone());
        return name;
    }

    /// <summary>
    /// Adds a node with one output of the given shape (dimension 0 = -1 for the batch axis) and returns the output's
    /// name. The node is named after the current module path (made unique).
    /// </summary>
    public string Node(string opType, IReadOnlyList<string> inputs, long[] outputShape, params OnnxAttribute[] attributes) =>
        Node(opType, inputs, outputShape, OnnxElementType.Float, attributes);

    /// <summary>As <see cref="Node(string, IReadOnlyList{string}, long[], OnnxAttribute[])"/> with an explicit output element type.</summary>
    public string Node(string opType, IReadOnlyList<string> inputs, long[] outputShape, OnnxElementType outputType, params OnnxAttribute[] attributes)
    {
        var node = CreateNode(CurrentPath.Length == 0 ? opType : CurrentPath, opType, inputs, outputShape, outputType, attributes);
        Nodes.Add(node);
        return node.Outputs[0];
    }

    /// <summary>A node named after <paramref name="hint"/> (made unique) whose output is declared, but not yet placed
    /// in <see cref="Nodes"/> (for passes that rewrite the node list in order).</summary>
    internal OnnxNode CreateNode(string hint, string opType, IReadOnlyList<string> inputs, long[] outputShape, OnnxElementType outputType, params OnnxAttribute[] attributes)
    {
        foreach (var input in inputs)
            if (input.Length > 0 && !_values.ContainsKey(input))
                throw new ArgumentException($"{opType} at '{CurrentPath}': no value named '{input}' in the graph");
        var name = Unique(hint);
        _values[name] = (outputType, (long[])outputShape.Clone());
        return new OnnxNode { Name = name, OpType = opType, Inputs = inputs.ToList(), Outputs = new List<string> { name }, Attributes = attributes };
    }

    /// <summary>max(x, 0).</summary>
    public string Relu(string x) => Node("Relu", new[] { x }, ShapeOf(x));

    /// <summary>a + b (same shapes).</summary>
    public string Add(string a, string b)
    {
        var (sa, sb) = (ShapeOf(a), ShapeOf(b));
        if (!sa.SequenceEqual(sb))
            throw new InvalidOperationException($"{CurrentPath}: cannot add shapes [{string.Join(", ", sa)}] and [{string.Join(", ", sb)}]");
        return Node("Add", new[] { a, b }, sa);
    }

    /// <summary>Flattens every axis after the batch axis: (N, d1, d2, ...) to (N, d1·d2·...).</summary>
    public string Flatten(string x)
    {
        var shape = ShapeOf(x);
        return Node("Flatten", new[] { x }, new[] { shape[0], shape.Skip(1).Aggregate(1L, (a, d) => a * d) }, OnnxAttribute.Int("axis", 1));
    }

    /// <summary>Throws unless <paramref name="x"/> is (N, <paramref name="channels"/>, H, W); names the current module.</summary>
    public long[] Expect4D(string x, int channels, string what)
    {
        var shape = ShapeOf(x);
        if (shape.Length != 4 || shape[1] != channels)
            throw new InvalidOperationException(
                $"{CurrentPath}: {what} expects (N, {channels}, H, W) but the graph gives [{string.Join(", ", shape.Select(d => d < 0 ? "N" : d.ToString(System.Globalization.CultureInfo.InvariantCulture)))}]");
        return shape;
    }

    /// <summary>Max or average pooling over a square window (torch semantics for output size, including ceil mode).</summary>
    public string Pool(string opType, string x, int kernel, int stride, int padding, bool ceilMode, params OnnxAttribute[] extra)
    {
        var shape = ShapeOf(x);
        if (shape.Length != 4) throw new InvalidOperationException($"{CurrentPath}: {opType} needs a 4-D input, got [{string.Join(", ", shape)}]");
        var output = new[] { shape[0], shape[1], PooledSize(shape[2], kernel, stride, padding, 1, ceilMode), PooledSize(shape[3], kernel, stride, padding, 1, ceilMode) };
        var attributes = new List<OnnxAttribute>
        {
            OnnxAttribute.Ints("kernel_shape", kernel, kernel), OnnxAttribute.Ints("strides", stride, stride),
            OnnxAttribute.Ints("pads", padding, padding, padding, padding),
        };
        if (ceilMode) attributes.Add(OnnxAttribute.Int("ceil_mode", 1));
        attributes.AddRange(extra);
        return Node(opType, new[] { x }, output, attributes.ToArray());
    }

    /// <summary>The output length of a convolution or pooling window along one axis, as PyTorch computes it.</summary>
    public static long PooledSize(long size, int kernel, int stride, int padding, int dilation, bool ceilMode)
    {
        long span = size + 2L * padding - (long)dilation * (kernel - 1) - 1;
        long output = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1;
        // PyTorch drops a last window that would start in the right padding
        if (ceilMode && (output - 1) * stride >= size + padding) output--;
        if (output < 1) throw new InvalidOperationException($"a window of {kernel} (stride {stride}, padding {padding}) leaves no output from {size} pixels");
        return output;
    }

    /// <summary>Gives the value produced as <paramref name="value"/> the name <paramref name="newName"/> (for graph outputs).</summary>
    internal string Rename(string value, string newName)
    {
        var producer = Nodes.FirstOrDefault(n => n.Outputs.Contains(value));
        // a graph input, a constant or a value other nodes read keeps its name: the output is a copy of it
        if (producer == null || Nodes.Any(n => n.Inputs.Contains(value)))
            return Rename(Node("Identity", new[] { value }, ShapeOf(value), TypeOf(value)), newName);
        producer.Outputs[producer.Outputs.IndexOf(value)] = newName;
        _values[newName] = _values[value];
        _values.Remove(value);
        return newName;
    }

    private string Unique(string hint)
    {
        if (hint.Length == 0) hint = "value";
        if (_names.Add(hint)) return hint;
        for (int i = 1; ; i++)
        {
            var candidate = hint + "_" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (_names.Add(candidate)) return candidate;
        }
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;
}

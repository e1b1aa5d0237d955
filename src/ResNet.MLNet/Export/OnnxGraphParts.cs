namespace ResNet.MLNet.Export;

/// <summary>The element types this exporter writes (values of onnx.proto's <c>TensorProto.DataType</c>).</summary>
public enum OnnxElementType
{
    /// <summary>32-bit float (<c>FLOAT = 1</c>).</summary>
    Float = 1,
    /// <summary>8-bit unsigned integer (<c>UINT8 = 2</c>): quantized activations.</summary>
    UInt8 = 2,
    /// <summary>8-bit signed integer (<c>INT8 = 3</c>): quantized weights.</summary>
    Int8 = 3,
    /// <summary>32-bit signed integer (<c>INT32 = 6</c>): quantized biases.</summary>
    Int32 = 6,
    /// <summary>64-bit signed integer (<c>INT64 = 7</c>).</summary>
    Int64 = 7,
}

/// <summary>A node attribute: an integer, a float, a string or a list of integers.</summary>
public sealed record OnnxAttribute
{
    internal enum AttributeKind { Float = 1, Int = 2, String = 3, Ints = 7 }

    /// <summary>The attribute's name, e.g. <c>kernel_shape</c>.</summary>
    public string Name { get; }

    internal AttributeKind Kind { get; }
    internal long IntValue { get; }
    internal float FloatValue { get; }
    internal string? StringValue { get; }
    internal long[]? IntsValue { get; }

    private OnnxAttribute(string name, AttributeKind kind, long i = 0, float f = 0, string? s = null, long[]? ints = null) =>
        (Name, Kind, IntValue, FloatValue, StringValue, IntsValue) = (name, kind, i, f, s, ints);

    /// <summary>An integer attribute (AttributeProto type INT).</summary>
    public static OnnxAttribute Int(string name, long value) => new(name, AttributeKind.Int, i: value);

    /// <summary>A float attribute (AttributeProto type FLOAT).</summary>
    public static OnnxAttribute Float(string name, float value) => new(name, AttributeKind.Float, f: value);

    /// <summary>A string attribute (AttributeProto type STRING).</summary>
    public static OnnxAttribute String(string name, string value) => new(name, AttributeKind.String, s: value);

    /// <summary>A list-of-integers attribute (AttributeProto type INTS).</summary>
    public static OnnxAttribute Ints(string name, params long[] values) => new(name, AttributeKind.Ints, ints: (long[])values.Clone());
}

/// <summary>One operator of the graph under construction.</summary>
internal sealed class OnnxNode
{
    public required string Name { get; init; }
    public required string OpType { get; init; }
    public required List<string> Inputs { get; init; }
    public required List<string> Outputs { get; init; }
    public required IReadOnlyList<OnnxAttribute> Attributes { get; init; }

    public OnnxAttribute? Attribute(string name) => Attributes.FirstOrDefault(a => a.Name == name);
}

/// <summary>A constant tensor of the graph (weights, shapes), stored as little-endian raw bytes as raw_data wants them.</summary>
internal sealed class OnnxInitializer
{
    public required string Name { get; init; }
    public required OnnxElementType ElementType { get; init; }
    public required long[] Dims { get; init; }
    public required byte[] Raw { get; set; }

    public Span<float> Floats => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(Raw.AsSpan());
}

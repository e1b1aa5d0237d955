using Google.Protobuf;

namespace ResNet.MLNet.Export;

/// <summary>
/// A protobuf message assembled field by field and written in one pass. Sizes of nested messages are computed before
/// anything is written, so a model's weights are copied once, straight into the output (no per-level buffers).
/// Repeated fields are written unpacked, as proto2 (onnx.proto's syntax) does by default; parsers accept both.
/// </summary>
internal sealed class ProtoMessage
{
    private enum Kind { Varint, Fixed32, Bytes, Message }

    private readonly record struct Field(int Number, Kind Kind, long Varint, float Fixed32, ReadOnlyMemory<byte> Bytes, ProtoMessage? Nested);

    private readonly List<Field> _fields = new();
    private long _size = -1;

    /// <summary>An int64, int32 or enum field (all varints on the wire).</summary>
    public ProtoMessage Int(int number, long value) => Add(new Field(number, Kind.Varint, value, 0, default, null));

    /// <summary>A float field.</summary>
    public ProtoMessage Float(int number, float value) => Add(new Field(number, Kind.Fixed32, 0, value, default, null));

    /// <summary>A string field (UTF-8).</summary>
    public ProtoMessage String(int number, string value) =>
        Add(new Field(number, Kind.Bytes, 0, 0, System.Text.Encoding.UTF8.GetBytes(value), null));

    /// <summary>A bytes field; the memory is referenced, not copied, until the message is written.</summary>
    public ProtoMessage Bytes(int number, ReadOnlyMemory<byte> value) => Add(new Field(number, Kind.Bytes, 0, 0, value, null));

    /// <summary>A nested message field.</summary>
    public ProtoMessage Message(int number, ProtoMessage value) => Add(new Field(number, Kind.Message, 0, 0, default, value));

    private ProtoMessage Add(Field field)
    {
        _fields.Add(field);
        _size = -1;
        return this;
    }

    /// <summary>The encoded size in bytes.</summary>
    public long Size
    {
        get
        {
            if (_size >= 0) return _size;
            long size = 0;
            foreach (var f in _fields)
            {
                size += CodedOutputStream.ComputeTagSize(f.Number);
                size += f.Kind switch
                {
                    Kind.Varint => CodedOutputStream.ComputeInt64Size(f.Varint),
                    Kind.Fixed32 => 4,
                    Kind.Bytes => LengthPrefixed(f.Bytes.Length),
                    _ => LengthPrefixed(f.Nested!.Size),
                };
            }
            return _size = size;
        }
    }

    private static long LengthPrefixed(long length)
    {
        // protobuf lengths are 32-bit: a message over 2 GiB cannot be encoded at all
        if (length > int.MaxValue) throw new InvalidOperationException($"a protobuf field of {length} bytes exceeds the 2 GiB limit of the format");
        return CodedOutputStream.ComputeLengthSize((int)length) + length;
    }

    /// <summary>Writes the fields (not a length prefix) to <paramref name="output"/>.</summary>
    public void WriteTo(CodedOutputStream output)
    {
        foreach (var f in _fields)
        {
            switch (f.Kind)
            {
                case Kind.Varint:
                    output.WriteTag(f.Number, WireFormat.WireType.Varint);
                    output.WriteInt64(f.Varint);
                    break;
                case Kind.Fixed32:
                    output.WriteTag(f.Number, WireFormat.WireType.Fixed32);
                    output.WriteFloat(f.Fixed32);
                    break;
                case Kind.Bytes:
                    output.WriteTag(f.Number, WireFormat.WireType.LengthDelimited);
                    output.WriteBytes(UnsafeByteOperations.UnsafeWrap(f.Bytes));
                    break;
                case Kind.Message:
                    output.WriteTag(f.Number, WireFormat.WireType.LengthDelimited);
                    output.WriteLength(checked((int)f.Nested!.Size));
                    f.Nested.WriteTo(output);
                    break;
            }
        }
    }

    /// <summary>The encoded message.</summary>
    public byte[] ToByteArray()
    {
        if (Size > int.MaxValue) throw new InvalidOperationException($"the message is {Size} bytes, over the 2 GiB limit of protobuf");
        var bytes = new byte[Size];
        var output = new CodedOutputStream(bytes);
        WriteTo(output);
        output.CheckNoSpaceLeft();
        return bytes;
    }
}

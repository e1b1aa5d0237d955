namespace ResNet.MLNet.Export;

/// <summary>
/// Encodes a built graph as an ONNX <c>ModelProto</c>. Field numbers are those of onnx.proto (ONNX IR version 8);
/// each message's fields are listed once here, by name.
/// </summary>
internal static class OnnxModelProto
{
    public const long IrVersion = 8;
    public const long OpsetVersion = 13;

    private static class Model { public const int IrVersion = 1, ProducerName = 2, ProducerVersion = 3, Graph = 7, OpsetImport = 8, MetadataProps = 14; }
    private static class OpsetId { public const int Domain = 1, Version = 2; }
    private static class StringEntry { public const int Key = 1, Value = 2; }
    private static class Graph { public const int Node = 1, Name = 2, Initializer = 5, Input = 11, Output = 12; }
    private static class Node { public const int Input = 1, Output = 2, Name = 3, OpType = 4, Attribute = 5; }
    private static class Attribute { public const int Name = 1, F = 2, I = 3, S = 4, Ints = 8, Type = 20; }
    private static class Tensor { public const int Dims = 1, DataType = 2, Name = 8, RawData = 9; }
    private static class ValueInfo { public const int Name = 1, Type = 2; }
    private static class TypeProto { public const int TensorType = 1; }
    private static class TensorTypeProto { public const int ElemType = 1, Shape = 2; }
    private static class Shape { public const int Dim = 1; }
    private static class Dimension { public const int DimValue = 1, DimParam = 2; }

    /// <summary>A graph input or output: name, element type and shape, a negative dimension is the dynamic batch axis.</summary>
    public readonly record struct ValueDeclaration(string Name, OnnxElementType Type, long[] Shape);

    public static ProtoMessage Build(OnnxGraphBuilder graph, string graphName, IReadOnlyList<ValueDeclaration> inputs,
        IReadOnlyList<ValueDeclaration> outputs, string batchSymbol, string producerVersion, IReadOnlyDictionary<string, string>? metadata)
    {
        var g = new ProtoMessage();
        foreach (var node in graph.Nodes) g.Message(Graph.Node, EncodeNode(node));
        g.String(Graph.Name, graphName);
        foreach (var name in graph.InitializerOrder) g.Message(Graph.Initializer, EncodeTensor(graph.Initializers[name]));
        foreach (var input in inputs) g.Message(Graph.Input, EncodeValue(input, batchSymbol));
        foreach (var output in outputs) g.Message(Graph.Output, EncodeValue(output, batchSymbol));

        var model = new ProtoMessage()
            .Int(Model.IrVersion, IrVersion)
            .String(Model.ProducerName, "ResNet.MLNet")
            .String(Model.ProducerVersion, producerVersion)
            .Message(Model.Graph, g)
            // the default domain ("") is the standard ai.onnx operator set
            .Message(Model.OpsetImport, new ProtoMessage().String(OpsetId.Domain, "").Int(OpsetId.Version, OpsetVersion));
        if (metadata != null)
            foreach (var (key, value) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                model.Message(Model.MetadataProps, new ProtoMessage().String(StringEntry.Key, key).String(StringEntry.Value, value));
        return model;
    }

    private static ProtoMessage EncodeNode(OnnxNode node)
    {
        var m = new ProtoMessage();
        foreach (var input in node.Inputs) m.String(Node.Input, input);
        foreach (var output in node.Outputs) m.String(Node.Output, output);
        m.String(Node.Name, node.Name).String(Node.OpType, node.OpType);
        foreach (var a in node.Attributes) m.Message(Node.Attribute, EncodeAttribute(a));
        return m;
    }

    private static ProtoMessage EncodeAttribute(OnnxAttribute a)
    {
        var m = new ProtoMessage().String(Attribute.Name, a.Name).Int(Attribute.Type, (int)a.Kind);
        switch (a.Kind)
        {
            case OnnxAttribute.AttributeKind.Float: m.Float(Attribute.F, a.FloatValue); break;
            case OnnxAttribute.AttributeKind.Int: m.Int(Attribute.I, a.IntValue); break;
            case OnnxAttribute.AttributeKind.String: m.Bytes(Attribute.S, System.Text.Encoding.UTF8.GetBytes(a.StringValue!)); break;
            case OnnxAttribute.AttributeKind.Ints: foreach (var v in a.IntsValue!) m.Int(Attribute.Ints, v); break;
        }
        return m;
    }

    private static ProtoMessage EncodeTensor(OnnxInitializer t)
    {
        var m = new ProtoMessage();
        foreach (var d in t.Dims) m.Int(Tensor.Dims, d);
        return m.Int(Tensor.DataType, (int)t.ElementType).String(Tensor.Name, t.Name).Bytes(Tensor.RawData, t.Raw);
    }

    private static ProtoMessage EncodeValue(ValueDeclaration value, string batchSymbol)
    {
        var shape = new ProtoMessage();
        foreach (var d in value.Shape)
            shape.Message(Shape.Dim, d < 0 ? new ProtoMessage().String(Dimension.DimParam, batchSymbol) : new ProtoMessage().Int(Dimension.DimValue, d));
        var tensorType = new ProtoMessage().Int(TensorTypeProto.ElemType, (int)value.Type).Message(TensorTypeProto.Shape, shape);
        return new ProtoMessage()
            .String(ValueInfo.Name, value.Name)
            .Message(ValueInfo.Type, new ProtoMessage().Message(TypeProto.TensorType, tensorType));
    }
}

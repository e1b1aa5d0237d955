using ResNet.MLNet.Data.Images;

namespace ResNet.MLNet;

/// <summary>Reads the image values and key labels a classifier trains on out of a view, checking the schema and
/// every row (missing labels are named by row).</summary>
internal static class ImageColumnReader
{
    public static int CheckImageColumn(DataViewSchema schema, string name)
    {
        int i = schema.IndexOf(name);
        if (!ImageLoader.SupportedTypes.Contains(schema[i].Type))
            throw new ArgumentException($"image column '{name}' holds {schema[i].Type.Name}; it must hold paths (String), encoded bytes (Byte[]) or DecodedImage");
        return i;
    }

    public static int CheckLabelColumn(DataViewSchema schema, string name)
    {
        int i = schema.IndexOf(name);
        if (!schema[i].IsKey)
            throw new ArgumentException($"label column '{name}' holds {schema[i].Type.Name}, not keys: " +
                                        $"map it first with Transforms.Conversion.MapValueToKey(\"{name}\")");
        return i;
    }

    /// <summary>The image values, 0-based class indices and a row describer of every row of <paramref name="data"/>.</summary>
    public static (List<object?> Images, List<long> Labels, List<string> Sources) Read(IDataView data, string imageColumn, string labelColumn,
        CancellationToken token)
    {
        int image = CheckImageColumn(data.Schema, imageColumn), label = CheckLabelColumn(data.Schema, labelColumn);
        var images = new List<object?>();
        var labels = new List<long>();
        var sources = new List<string>();
        using var cursor = data.GetRowCursor(token);
        while (cursor.MoveNext())
        {
            var key = cursor.GetValue(label) is uint k ? k : 0u;
            var value = cursor.GetValue(image);
            var source = ImageLoader.Describe(value, cursor.Position, imageColumn);
            if (key == 0) throw new InvalidDataException($"row {cursor.Position + 1} ({source}): the label in column '{labelColumn}' is missing");
            images.Add(value);
            labels.Add(key - 1);
            sources.Add(source);
        }
        return (images, labels, sources);
    }
}

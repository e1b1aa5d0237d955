using Microsoft.ML;
using Microsoft.ML.Data;

namespace ResNet.MLNet.Data.Sources;

/// <summary>
/// A row of a pixel data set (IDX, CIFAR-10): <c>Image</c>, planar (C, H, W) floats scaled to [0, 1], and
/// <c>Label</c>, the class name. The view's Image column is a known-size vector with dimensions C, H, W.
/// </summary>
public sealed class PixelRow
{
    /// <summary>Pixels (C·H·W) in [0, 1], channel-planar.</summary>
    public float[] Image { get; set; } = Array.Empty<float>();
    /// <summary>The class name.</summary>
    public string Label { get; set; } = "";

    /// <summary>A lazy view of <paramref name="rows"/> whose Image column has shape (C, H, W).</summary>
    public static IDataView View(DataOperationsCatalog catalog, IEnumerable<PixelRow> rows, int channels, int height, int width)
    {
        var schema = SchemaDefinition.Create(typeof(PixelRow));
        schema[nameof(Image)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, channels, height, width);
        return catalog.LoadFromEnumerable(rows, schema);
    }
}

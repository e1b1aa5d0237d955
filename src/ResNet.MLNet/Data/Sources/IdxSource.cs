using ResNet.MLNet.Data.Idx;
using ResNet.MLNet.Data.Images;

namespace ResNet.MLNet.Data.Sources;

/// <summary>
/// An IDX image file and its label file (MNIST / Fashion-MNIST format) as a view with columns <c>Image</c>
/// (<see cref="DecodedImage"/>, gray) and <c>Label</c> (the class name).
/// </summary>
public static class IdxSource
{
    /// <summary>The view of <paramref name="imagesPath"/> (N×H×W) and <paramref name="labelsPath"/> (N); label i is
    /// named <paramref name="classNames"/>[i] (default: the number itself).</summary>
    public static IDataView Load(string imagesPath, string labelsPath, IReadOnlyList<string>? classNames = null)
    {
        var images = IdxReader.Read(imagesPath);
        var labels = IdxReader.Read(labelsPath);
        if (images.Shape.Length != 3) throw new InvalidDataException($"{imagesPath}: expected images (N, H, W), got shape [{string.Join(", ", images.Shape)}]");
        if (labels.Shape.Length != 1 || labels.Count != images.Count)
            throw new InvalidDataException($"{labelsPath}: expected {images.Count} labels to match {imagesPath}, got shape [{string.Join(", ", labels.Shape)}]");
        int h = images.Shape[1], w = images.Shape[2];
        string Name(byte label)
        {
            if (classNames == null) return label.ToString();
            if (label >= classNames.Count) throw new InvalidDataException($"{labelsPath}: label {label} has no class name ({classNames.Count} given)");
            return classNames[label];
        }
        var schema = new DataViewSchema(new[] { new DataViewColumn("Image", typeof(DecodedImage)), new DataViewColumn("Label", typeof(string)) });
        return new RowStreamView(schema, _ => Enumerable.Range(0, images.Count).Select(i =>
            new object?[] { new DecodedImage(images.Data.AsSpan(i * h * w, h * w).ToArray(), w, h, 1), Name(labels.Data[i]) }),
            () => images.Count);
    }
}

using Microsoft.ML;
using ResNet.MLNet.Data.Idx;

namespace ResNet.MLNet.Data.Sources;

/// <summary>
/// An IDX image file and its label file (MNIST / Fashion-MNIST format) as an ML.NET view with columns <c>Image</c>
/// (gray pixels in [0, 1], a known-size vector of shape 1×H×W) and <c>Label</c> (the class name).
/// </summary>
public static class IdxSource
{
    /// <summary>The view of <paramref name="imagesPath"/> (N×H×W) and <paramref name="labelsPath"/> (N); label i is
    /// named <paramref name="classNames"/>[i] (default: the number itself).</summary>
    public static IDataView Load(DataOperationsCatalog catalog, string imagesPath, string labelsPath, IReadOnlyList<string>? classNames = null)
    {
        var images = IdxReader.Read(imagesPath);
        var labels = IdxReader.Read(labelsPath);
        if (images.Shape.Length != 3) throw new InvalidInputException(imagesPath, $"expected images (N, H, W), got shape [{string.Join(", ", images.Shape)}]");
        if (labels.Shape.Length != 1 || labels.Count != images.Count)
            throw new InvalidInputException(labelsPath, $"expected {images.Count} labels to match {imagesPath}, got shape [{string.Join(", ", labels.Shape)}]");
        var names = Enumerable.Range(0, 256).Select(i => i.ToString()).ToArray();
        if (classNames != null)
            foreach (var label in labels.Data.Distinct())
                if (label >= classNames.Count) throw new InvalidInputException(labelsPath, $"label {label} has no class name ({classNames.Count} given)");
        int h = images.Shape[1], w = images.Shape[2];
        return PixelRow.View(catalog, Rows(images, labels, classNames ?? names, h * w), 1, h, w);
    }

    private static IEnumerable<PixelRow> Rows(IdxArray images, IdxArray labels, IReadOnlyList<string> names, int size)
    {
        for (int i = 0; i < images.Count; i++)
        {
            var pixels = new float[size];
            var source = images.Data.AsSpan(i * size, size);
            for (int p = 0; p < size; p++) pixels[p] = source[p] / 255f;
            yield return new PixelRow { Image = pixels, Label = names[labels.Data[i]] };
        }
    }
}

namespace ResNet.MLNet.Data.Sources;

/// <summary>
/// A folder-per-class image set as a lazy view with columns <c>ImagePath</c> (full path) and <c>Label</c> (the name
/// of the image's parent folder). Files are listed when a cursor starts, in ordinal path order; files whose
/// extension is not an image extension (<see cref="ImageExtensions"/>) are ignored, hidden files too.
/// </summary>
public static class ImageFolderSource
{
    /// <summary>Extensions taken as images (JPEG and PNG decode; the others give an "unsupported format" error naming the file).</summary>
    public static IReadOnlySet<string> ImageExtensions { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        ".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff",
    };

    /// <summary>The view of <paramref name="folder"/>; with <paramref name="useFolderNameAsLabel"/> false, Label is absent.</summary>
    public static IDataView Load(string folder, bool useFolderNameAsLabel = true)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"image folder not found: {folder}");
        var root = Path.GetFullPath(folder);
        var columns = new List<DataViewColumn> { new("ImagePath", typeof(string)) };
        if (useFolderNameAsLabel) columns.Add(new DataViewColumn("Label", typeof(string)));
        return new RowStreamView(new DataViewSchema(columns), _ => Rows(root, useFolderNameAsLabel));
    }

    /// <summary>The image files under <paramref name="root"/>, sorted.</summary>
    public static IEnumerable<string> ListImages(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => ImageExtensions.Contains(Path.GetExtension(f)) && !Path.GetFileName(f).StartsWith('.'))
            .Order(StringComparer.Ordinal);

    private static IEnumerable<object?[]> Rows(string root, bool withLabel)
    {
        foreach (var file in ListImages(root))
        {
            if (!withLabel) { yield return new object?[] { file }; continue; }
            var parent = Path.GetFileName(Path.GetDirectoryName(file)!);
            if (Path.GetDirectoryName(file) == root.TrimEnd(Path.DirectorySeparatorChar))
                throw new InvalidDataException($"image '{file}' lies directly in '{root}': with folder names as labels, put each image in a folder named after its class");
            yield return new object?[] { file, parent };
        }
    }
}

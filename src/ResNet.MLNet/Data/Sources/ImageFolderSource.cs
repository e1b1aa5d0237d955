using Microsoft.ML;

namespace ResNet.MLNet.Data.Sources;

/// <summary>
/// A folder-per-class image set as an ML.NET view with columns <c>ImagePath</c> (full path) and <c>Label</c> (the
/// name of the image's parent folder). Files are listed once, in ordinal path order; files whose extension is not an
/// image extension (<see cref="ImageExtensions"/>) are ignored, hidden files too.
/// </summary>
public static class ImageFolderSource
{
    /// <summary>Extensions taken as images (JPEG, PNG, BMP, GIF, WebP decode through ML.NET's image loader; others
    /// give an error naming the file when read).</summary>
    public static IReadOnlySet<string> ImageExtensions { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        ".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff",
    };

    /// <summary>One row of the view.</summary>
    public sealed class Row
    {
        /// <summary>The image's full path.</summary>
        public string ImagePath { get; set; } = "";
        /// <summary>The class: the name of the folder that holds the image.</summary>
        public string Label { get; set; } = "";
    }

    /// <summary>The view of <paramref name="folder"/>; with <paramref name="useFolderNameAsLabel"/> false, Label is empty.</summary>
    public static IDataView Load(DataOperationsCatalog catalog, string folder, bool useFolderNameAsLabel = true)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"image folder not found: {folder}");
        var root = Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar);
        var rows = new List<Row>();
        foreach (var file in ListImages(root))
        {
            var parent = Path.GetDirectoryName(file)!;
            if (useFolderNameAsLabel && parent == root)
                throw new InvalidDataException($"image '{file}' lies directly in '{root}': with folder names as labels, put each image in a folder named after its class");
            rows.Add(new Row { ImagePath = file, Label = useFolderNameAsLabel ? Path.GetFileName(parent) : "" });
        }
        if (rows.Count == 0) throw new InvalidDataException($"no image files ({string.Join(", ", ImageExtensions)}) under '{root}'");
        return catalog.LoadFromEnumerable(rows);
    }

    /// <summary>The image files under <paramref name="root"/>, sorted.</summary>
    public static IEnumerable<string> ListImages(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => ImageExtensions.Contains(Path.GetExtension(f)) && !Path.GetFileName(f).StartsWith('.'))
            .Order(StringComparer.Ordinal);
}

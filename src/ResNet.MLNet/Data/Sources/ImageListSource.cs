using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using Microsoft.ML;

namespace ResNet.MLNet.Data.Sources;

/// <summary>
/// A CSV or TSV list of labelled images (a header naming the columns <c>ImagePath</c> and <c>Label</c>, quoting
/// allowed; other columns ignored) as an ML.NET view with the same columns as <see cref="ImageFolderSource"/>. Relative
/// paths are resolved against the list's folder. The rows and each field's length are bounded by
/// <see cref="InputLimits"/>; every problem is an <see cref="InvalidInputException"/> naming the file and row.
/// </summary>
public static class ImageListSource
{
    /// <summary>The view of the list at <paramref name="path"/> (tab-separated when it ends in <c>.tsv</c>).</summary>
    public static IDataView Load(DataOperationsCatalog catalog, string path, InputLimits? limits = null)
    {
        limits ??= InputLimits.Default;
        if (!File.Exists(path)) throw new FileNotFoundException($"image list not found: {path}", path);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            Delimiter = Path.GetExtension(path).Equals(".tsv", StringComparison.OrdinalIgnoreCase) ? "\t" : ",",
            MaxFieldSize = limits.MaxCsvFieldChars,
            TrimOptions = TrimOptions.Trim,
            DetectColumnCountChanges = false,
        };
        var rows = new List<ImageFolderSource.Row>();
        using var reader = new StreamReader(path);
        using var csv = new CsvReader(reader, config);
        long row = 1;
        try
        {
            if (!csv.Read()) throw new InvalidInputException(path, "the file is empty");
            csv.ReadHeader();
            var names = csv.HeaderRecord ?? Array.Empty<string>();
            int image = Array.IndexOf(names, "ImagePath"), label = Array.IndexOf(names, "Label");
            if (image < 0 || label < 0)
                throw new InvalidInputException(path, $"the header must name the columns ImagePath and Label, found: {string.Join(config.Delimiter, names)}");
            while (csv.Read())
            {
                row++;
                InputLimits.Check(path, "the number of data rows", row - 1, limits.MaxCsvRows, nameof(limits.MaxCsvRows));
                var file = csv.TryGetField<string>(image, out var f) ? f : null;
                if (string.IsNullOrWhiteSpace(file)) throw new InvalidInputException(path, $"row {row}: the ImagePath column is empty");
                if (file.Contains('\0')) throw new InvalidInputException(path, $"row {row}: the ImagePath holds a NUL character");
                rows.Add(new ImageFolderSource.Row { ImagePath = Path.GetFullPath(file, folder), Label = csv.TryGetField<string>(label, out var l) ? l ?? "" : "" });
            }
        }
        catch (CsvHelperException e)
        {
            // CsvHelper's own message spans several lines of context: keep its first line.
            throw new InvalidInputException(path, $"row {Math.Max(row, csv.Parser.Row)}: {e.Message.Split('\n')[0].Trim()}", e);
        }
        if (rows.Count == 0) throw new InvalidInputException(path, "the list names no images");
        return catalog.LoadFromEnumerable(rows);
    }
}

using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;

namespace ResNet.MLNet.Data.Sources;

/// <summary>
/// A CSV or TSV file with a header row (read with CsvHelper) as a lazy view: every header column becomes a text
/// column. The image-path column's relative paths are resolved against the file's folder. Errors name the file, the
/// row (1-based line of data) and the column.
/// </summary>
public static class TextFileSource
{
    /// <summary>The view of <paramref name="path"/>. <paramref name="separator"/> defaults to a tab for <c>.tsv</c>
    /// files and a comma otherwise; <paramref name="labelColumnName"/> null means no label is required.</summary>
    public static IDataView Load(string path, string imageColumnName = "ImagePath", string? labelColumnName = "Label", char? separator = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"data file not found: {path}", path);
        var full = Path.GetFullPath(path);
        char sep = separator ?? (Path.GetExtension(path).Equals(".tsv", StringComparison.OrdinalIgnoreCase) ? '\t' : ',');
        var header = ReadHeader(full, sep);
        foreach (var required in new[] { imageColumnName, labelColumnName })
            if (required != null && !header.Contains(required))
                throw new InvalidDataException($"{full}: column '{required}' not found in the header (columns: {string.Join(", ", header)})");
        var schema = new DataViewSchema(header.Select(h => new DataViewColumn(h, typeof(string))));
        int imageColumn = Array.IndexOf(header, imageColumnName);
        int labelColumn = labelColumnName == null ? -1 : Array.IndexOf(header, labelColumnName);
        return new RowStreamView(schema, _ => Rows(full, sep, header, imageColumn, labelColumn));
    }

    private static CsvConfiguration Configuration(char separator) => new(CultureInfo.InvariantCulture)
    {
        Delimiter = separator.ToString(), HasHeaderRecord = true, DetectColumnCountChanges = false, TrimOptions = TrimOptions.Trim,
    };

    private static string[] ReadHeader(string path, char separator)
    {
        using var reader = new StreamReader(path);
        using var csv = new CsvReader(reader, Configuration(separator));
        if (!csv.Read() || !csv.ReadHeader() || csv.HeaderRecord is not { Length: > 0 } header)
            throw new InvalidDataException($"{path}: the file is empty (a header row such as 'ImagePath,Label' is needed)");
        return header;
    }

    private static IEnumerable<object?[]> Rows(string path, char separator, string[] header, int imageColumn, int labelColumn)
    {
        var folder = Path.GetDirectoryName(path)!;
        using var reader = new StreamReader(path);
        using var csv = new CsvReader(reader, Configuration(separator));
        csv.Read();
        csv.ReadHeader();
        long row = 0;
        while (csv.Read())
        {
            row++;
            var values = new object?[header.Length];
            for (int c = 0; c < header.Length; c++)
                values[c] = csv.TryGetField<string>(c, out var v) ? v : null;
            if (values[imageColumn] is not string { Length: > 0 } image)
                throw new InvalidDataException($"{path}, row {row}, column '{header[imageColumn]}': the image path is missing");
            if (labelColumn >= 0 && values[labelColumn] is not string { Length: > 0 })
                throw new InvalidDataException($"{path}, row {row}, column '{header[labelColumn]}': the label is missing");
            values[imageColumn] = Path.GetFullPath(Path.Combine(folder, image));
            yield return values;
        }
    }
}

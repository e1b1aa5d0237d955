using Microsoft.ML;
using Microsoft.ML.Data;

namespace ResNet.MLNet.Cli;

/// <summary>Opens labelled image data given on the command line: a folder-per-class directory or a CSV/TSV file
/// (header, columns ImagePath and Label) read by ML.NET's own LoadFromTextFile.</summary>
internal static class DataLoading
{
    private sealed class Row
    {
        public string ImagePath { get; set; } = "";
        public string Label { get; set; } = "";
    }

    /// <summary>The view: columns ImagePath (full paths; a CSV's relative paths are resolved against its folder) and Label.</summary>
    public static IDataView Load(MLContext ml, string path)
    {
        if (Directory.Exists(path)) return ml.Data.LoadImagesFromDirectory(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"'{path}' is neither an image folder nor a CSV/TSV file", path);
        char separator = Path.GetExtension(path).Equals(".tsv", StringComparison.OrdinalIgnoreCase) ? '\t' : ',';
        var header = File.ReadLines(path).FirstOrDefault() ?? throw new InvalidDataException($"{path}: the file is empty");
        var names = header.Split(separator).Select(n => n.Trim()).ToArray();
        int image = Array.IndexOf(names, "ImagePath"), label = Array.IndexOf(names, "Label");
        if (image < 0 || label < 0)
            throw new InvalidDataException($"{path}: the header must name the columns ImagePath and Label, found: {header}");
        var view = ml.Data.LoadFromTextFile(path, new[]
        {
            new TextLoader.Column("ImagePath", DataKind.String, image), new TextLoader.Column("Label", DataKind.String, label),
        }, separatorChar: separator, hasHeader: true, allowQuoting: true);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var rows = ml.Data.CreateEnumerable<Row>(view, reuseRowObject: false)
            .Select((r, i) => string.IsNullOrWhiteSpace(r.ImagePath)
                ? throw new InvalidDataException($"{path}, row {i + 2}: the ImagePath column is empty")
                : new Row { ImagePath = Path.GetFullPath(r.ImagePath, folder), Label = r.Label })
            .ToList();
        return ml.Data.LoadFromEnumerable(rows);
    }

    /// <summary>Class names of a loaded model: the key values of its <c>Label</c> column (MapValueToKey's).</summary>
    public static IReadOnlyList<string> ClassNames(ITransformer model, DataViewSchema input)
    {
        var column = model.GetOutputSchema(input).GetColumnOrNull("Label");
        var values = default(VBuffer<ReadOnlyMemory<char>>);
        if (column?.Annotations.Schema.GetColumnOrNull("KeyValues") is not { } annotation || annotation.Type is not VectorDataViewType { ItemType: TextDataViewType })
            throw new InvalidDataException("the model has no MapValueToKey(\"Label\") step with text labels: not a model written by 'train'");
        column.Value.Annotations.GetValue("KeyValues", ref values);
        return values.DenseValues().Select(v => v.ToString()).ToArray();
    }

    /// <summary>Runs <paramref name="body"/>, printing a failure as one clear line (exit code 1) instead of a stack trace.</summary>
    public static int Run(Func<int> body)
    {
        try { return body(); }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or IOException or InvalidOperationException or FormatException
                                  or Torch.TorchException or UnauthorizedAccessException or NotSupportedException)
        {
            Console.Error.WriteLine($"error: {Message(e)}");
            return 1;
        }
    }

    // ML.NET wraps a cursor's failure; the innermost message names the file.
    private static string Message(Exception e)
    {
        var message = e.Message;
        for (var inner = e.InnerException; inner != null; inner = inner.InnerException)
            if (!message.Contains(inner.Message, StringComparison.Ordinal)) message += $" ({inner.Message})";
        return message;
    }
}

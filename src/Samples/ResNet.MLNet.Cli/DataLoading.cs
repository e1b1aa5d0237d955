using Microsoft.ML;
using Microsoft.ML.Data;
using ResNet.MLNet.Data;
using ResNet.MLNet.Data.Sources;

namespace ResNet.MLNet.Cli;

/// <summary>Opens labelled image data given on the command line: a folder-per-class directory or a CSV/TSV file
/// (header, columns ImagePath and Label) read by ML.NET's own LoadFromTextFile.</summary>
internal static class DataLoading
{
    /// <summary>The view: columns ImagePath (full paths; a list's relative paths are resolved against its folder) and Label.</summary>
    public static IDataView Load(MLContext ml, string path)
    {
        if (Directory.Exists(path)) return ml.Data.LoadImagesFromDirectory(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"'{path}' is neither an image folder nor a CSV/TSV file", path);
        return ImageListSource.Load(ml.Data, path);
    }

    /// <summary>Class names of a loaded model: the key values of its <c>Label</c> column (MapValueToKey's).</summary>
    public static IReadOnlyList<string> ClassNames(ITransformer model, DataViewSchema input)
    {
        var column = model.GetOutputSchema(input).GetColumnOrNull(ResNetColumns.Label);
        var values = default(VBuffer<ReadOnlyMemory<char>>);
        if (column?.Annotations.Schema.GetColumnOrNull("KeyValues") is not { } annotation || annotation.Type is not VectorDataViewType { ItemType: TextDataViewType })
            throw new InvalidDataException("the model has no MapValueToKey(\"Label\") step with text labels: not a model written by 'train'");
        column.Value.Annotations.GetValue("KeyValues", ref values);
        return values.DenseValues().Select(v => v.ToString()).ToArray();
    }

    /// <summary>Print stack traces of failures (the global <c>--verbose</c> option).</summary>
    public static bool Verbose { get; set; }

    /// <summary>Runs <paramref name="body"/>, printing any failure as one clear line naming the culprit (exit code 1);
    /// the stack trace follows only with <see cref="Verbose"/>.</summary>
    public static int Run(Func<int> body)
    {
        try { return body(); }
        catch (Exception e)
        {
            bool expected = e is ArgumentException or IOException or InvalidDataException or InvalidOperationException or FormatException
                or Torch.TorchException or UnauthorizedAccessException or OperationCanceledException or NotSupportedException;
            // An unexpected type is a bug of ours, not of the input: say so, still on one line.
            var line = expected ? Message(e) : $"internal error ({e.GetType().Name}): {Message(e)}";
            Console.Error.WriteLine($"error: {line.ReplaceLineEndings(" ")}");
            if (Verbose) Console.Error.WriteLine(e);
            return 1;
        }
    }

    /// <summary>The message of <paramref name="e"/> with its inner messages (ML.NET wraps a cursor's failure; the
    /// innermost message names the file).</summary>
    public static string Message(Exception e)
    {
        var message = e.Message;
        for (var inner = e.InnerException; inner != null; inner = inner.InnerException)
            if (!message.Contains(inner.Message, StringComparison.Ordinal)) message += $" ({inner.Message})";
        return message;
    }
}

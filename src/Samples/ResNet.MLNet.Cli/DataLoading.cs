namespace ResNet.MLNet.Cli;

/// <summary>Opens labelled image data given on the command line: a folder-per-class directory or a CSV/TSV file.</summary>
internal static class DataLoading
{
    public static IDataView Load(MLContext ml, string path)
    {
        if (Directory.Exists(path)) return ml.Data.LoadImagesFromDirectory(path);
        if (File.Exists(path)) return ml.Data.LoadFromTextFile(path);
        throw new FileNotFoundException($"'{path}' is neither an image folder nor a CSV/TSV file", path);
    }

    /// <summary>Runs <paramref name="body"/>, printing a failure as one clear line (exit code 1) instead of a stack trace.</summary>
    public static int Run(Func<int> body)
    {
        try { return body(); }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or IOException or Data.Images.ImageDecodeException or Torch.TorchException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}

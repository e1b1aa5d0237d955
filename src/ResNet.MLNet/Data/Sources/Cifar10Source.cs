using Microsoft.ML;

namespace ResNet.MLNet.Data.Sources;

/// <summary>
/// CIFAR-10's binary batches (<c>data_batch_1.bin</c> … <c>test_batch.bin</c>: records of one label byte and
/// 3×32×32 planar RGB bytes) as an ML.NET view with columns <c>Image</c> (RGB in [0, 1], a known-size vector of shape
/// 3×32×32) and <c>Label</c> (the class name). Records are read from disk as cursors move.
/// </summary>
public static class Cifar10Source
{
    private const int Side = 32, Values = 3 * Side * Side, RecordSize = 1 + Values;

    /// <summary>CIFAR-10's class names, by label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } = new[]
    {
        "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
    };

    /// <summary>The view of one or more batch files.</summary>
    public static IDataView Load(DataOperationsCatalog catalog, params string[] batchFiles)
    {
        if (batchFiles.Length == 0) throw new ArgumentException("at least one CIFAR-10 batch file is needed");
        foreach (var file in batchFiles)
        {
            if (!File.Exists(file)) throw new FileNotFoundException($"CIFAR-10 batch file not found: {file}", file);
            long length = new FileInfo(file).Length;
            if (length == 0 || length % RecordSize != 0)
                throw new InvalidInputException(file, $"{length} bytes is not a whole number of {RecordSize}-byte CIFAR-10 records");
        }
        return PixelRow.View(catalog, Rows(batchFiles), 3, Side, Side);
    }

    private static IEnumerable<PixelRow> Rows(string[] files)
    {
        var record = new byte[RecordSize];
        foreach (var file in files)
        {
            using var stream = File.OpenRead(file);
            long index = 0;
            while (stream.Read(record, 0, 1) == 1)
            {
                stream.ReadExactly(record, 1, RecordSize - 1);
                index++;
                if (record[0] >= ClassNames.Count) throw new InvalidInputException(file, $"record {index}: label {record[0]} is not a CIFAR-10 class (0-9)");
                var pixels = new float[Values];
                for (int i = 0; i < Values; i++) pixels[i] = record[1 + i] / 255f;
                yield return new PixelRow { Image = pixels, Label = ClassNames[record[0]] };
            }
        }
    }
}

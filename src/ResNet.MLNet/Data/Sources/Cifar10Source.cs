using ResNet.MLNet.Data.Images;

namespace ResNet.MLNet.Data.Sources;

/// <summary>
/// CIFAR-10's binary batches (<c>data_batch_1.bin</c> … <c>test_batch.bin</c>: records of one label byte and
/// 3×32×32 planar RGB bytes) as a lazy view with columns <c>Image</c> (<see cref="DecodedImage"/>, RGB) and
/// <c>Label</c> (the class name). Records are read from disk as cursors move.
/// </summary>
public static class Cifar10Source
{
    private const int Side = 32, Plane = Side * Side, RecordSize = 1 + 3 * Plane;

    /// <summary>CIFAR-10's class names, by label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } = new[]
    {
        "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
    };

    /// <summary>The view of one or more batch files.</summary>
    public static IDataView Load(params string[] batchFiles)
    {
        if (batchFiles.Length == 0) throw new ArgumentException("at least one CIFAR-10 batch file is needed");
        long count = 0;
        foreach (var file in batchFiles)
        {
            if (!File.Exists(file)) throw new FileNotFoundException($"CIFAR-10 batch file not found: {file}", file);
            long length = new FileInfo(file).Length;
            if (length == 0 || length % RecordSize != 0)
                throw new InvalidDataException($"{file}: {length} bytes is not a whole number of {RecordSize}-byte CIFAR-10 records");
            count += length / RecordSize;
        }
        var schema = new DataViewSchema(new[] { new DataViewColumn("Image", typeof(DecodedImage)), new DataViewColumn("Label", typeof(string)) });
        return new RowStreamView(schema, _ => Rows(batchFiles), () => count);
    }

    private static IEnumerable<object?[]> Rows(string[] files)
    {
        var record = new byte[RecordSize];
        foreach (var file in files)
        {
            using var stream = File.OpenRead(file);
            long index = 0;
            while (stream.Read(record, 0, 1) == 1)
            {
                stream.ReadExactly(record, 1, RecordSize - 1);
                if (record[0] >= ClassNames.Count) throw new InvalidDataException($"{file}, record {index + 1}: label {record[0]} is not a CIFAR-10 class (0-9)");
                var pixels = new byte[3 * Plane];
                for (int i = 0; i < Plane; i++)
                    for (int c = 0; c < 3; c++)
                        pixels[3 * i + c] = record[1 + c * Plane + i];
                index++;
                yield return new object?[] { new DecodedImage(pixels, Side, Side, 3), ClassNames[record[0]] };
            }
        }
    }
}

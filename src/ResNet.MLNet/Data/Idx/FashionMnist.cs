namespace ResNet.MLNet.Data.Idx;

/// <summary>
/// Fashion-MNIST (Zalando, 70,000 gray 28×28 images of 10 clothing classes) from IDX files, by default the Debian
/// <c>dataset-fashion-mnist</c> package's copies in <see cref="DefaultDirectory"/>.
/// </summary>
public static class FashionMnist
{
    /// <summary>Where the Debian package installs the files.</summary>
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The class names, by label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } = new[]
    {
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    };

    /// <summary>The two splits.</summary>
    public enum Split
    {
        /// <summary>60,000 training images (<c>train-*</c>).</summary>
        Train,
        /// <summary>10,000 test images (<c>t10k-*</c>).</summary>
        Test,
    }

    /// <summary>
    /// Loads a split as pixel values in [0, 1] (1×28×28), optionally only its first <paramref name="subset"/> images
    /// (train on them with <c>InMemoryTrainingData.From</c>).
    /// Looks for <c>{train|t10k}-{images-idx3|labels-idx1}-ubyte</c> with or without <c>.gz</c>.
    /// </summary>
    public static LabelledImages Load(Split split, string? directory = null, int? subset = null)
    {
        directory ??= DefaultDirectory;
        string prefix = split == Split.Train ? "train" : "t10k";
        var images = IdxReader.Read(Find(directory, $"{prefix}-images-idx3-ubyte"));
        var labels = IdxReader.Read(Find(directory, $"{prefix}-labels-idx1-ubyte"));
        if (images.Shape.Length != 3)
            throw new InvalidInputException(images.Path, $"expected a 3-D image array (N, rows, columns), got shape [{string.Join(", ", images.Shape)}]");
        if (labels.Shape.Length != 1)
            throw new InvalidInputException(labels.Path, $"expected a 1-D label array, got shape [{string.Join(", ", labels.Shape)}]");
        if (images.Count != labels.Count)
            throw new InvalidInputException(labels.Path, $"holds {labels.Count} labels but {images.Path} holds {images.Count} images");
        int n = Math.Min(subset ?? images.Count, images.Count);
        if (n < 1) throw new ArgumentException($"subset must be at least 1, got {subset}");
        int rows = images.Shape[1], columns = images.Shape[2], per = rows * columns;
        var pixels = new float[(long)n * per];
        for (long i = 0; i < pixels.LongLength; i++) pixels[i] = images.Data[i] / 255f;
        var classes = new long[n];
        for (int i = 0; i < n; i++)
        {
            if (labels.Data[i] >= ClassNames.Count)
                throw new InvalidInputException(labels.Path, $"label {labels.Data[i]} at row {i} is outside 0..{ClassNames.Count - 1}");
            classes[i] = labels.Data[i];
        }
        return new LabelledImages(pixels, classes, 1, rows, columns, ClassNames);
    }

    /// <summary>
    /// Loads the training split (first <paramref name="trainSubset"/> images) and the full test split, both normalised
    /// with the training split's per-channel mean and standard deviation (also returned).
    /// </summary>
    public static (LabelledImages Train, LabelledImages Test, float[] Mean, float[] Std) LoadNormalized(string? directory = null, int? trainSubset = null, int? testSubset = null)
    {
        var rawTrain = Load(Split.Train, directory, trainSubset);
        var rawTest = Load(Split.Test, directory, testSubset);
        var (mean, std) = rawTrain.ChannelStatistics();
        return (rawTrain.Normalize(mean, std), rawTest.Normalize(mean, std), mean, std);
    }

    /// <summary>The IDX image and label files of <paramref name="split"/> in <paramref name="directory"/> (default Debian's).</summary>
    public static (string Images, string Labels) Files(Split split, string? directory = null)
    {
        directory ??= DefaultDirectory;
        string prefix = split == Split.Train ? "train" : "t10k";
        return (Find(directory, $"{prefix}-images-idx3-ubyte"), Find(directory, $"{prefix}-labels-idx1-ubyte"));
    }

    private static string Find(string directory, string name)
    {
        foreach (var candidate in new[] { name + ".gz", name })
        {
            var path = Path.Combine(directory, candidate);
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException(
            $"Fashion-MNIST file {Path.Combine(directory, name)}[.gz] not found (install the Debian package dataset-fashion-mnist)",
            Path.Combine(directory, name + ".gz"));
    }
}

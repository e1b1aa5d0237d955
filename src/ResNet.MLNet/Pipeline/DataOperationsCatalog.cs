using ResNet.MLNet.Data.Sources;

namespace ResNet.MLNet;

/// <summary>Data loading and splitting (<c>mlContext.Data</c>). Every view is lazy.</summary>
public sealed class DataOperationsCatalog
{
    private readonly MLContext _context;

    internal DataOperationsCatalog(MLContext context) => _context = context;

    /// <summary>A folder-per-class image set: columns ImagePath and Label (the parent folder's name).</summary>
    public IDataView LoadImagesFromDirectory(string folder, bool useFolderNameAsLabel = true) => ImageFolderSource.Load(folder, useFolderNameAsLabel);

    /// <summary>A CSV/TSV file with a header (text columns; relative image paths resolved against the file's folder).</summary>
    public IDataView LoadFromTextFile(string path, string imageColumnName = "ImagePath", string? labelColumnName = "Label", char? separator = null) =>
        TextFileSource.Load(path, imageColumnName, labelColumnName, separator);

    /// <summary>Typed objects: one column per public property.</summary>
    public IDataView LoadFromEnumerable<T>(IEnumerable<T> items) where T : class => EnumerableSource.Load(items);

    /// <summary>An IDX image/label file pair: columns Image (gray DecodedImage) and Label (class name).</summary>
    public IDataView LoadFromIdx(string imagesPath, string labelsPath, IReadOnlyList<string>? classNames = null) => IdxSource.Load(imagesPath, labelsPath, classNames);

    /// <summary>CIFAR-10 binary batch files: columns Image (RGB DecodedImage) and Label (class name).</summary>
    public IDataView LoadFromCifar10(params string[] batchFiles) => Cifar10Source.Load(batchFiles);

    /// <summary>Splits rows at random (the context's seed unless <paramref name="seed"/> is given).</summary>
    public TrainTestData TrainTestSplit(IDataView data, double testFraction = 0.1, int? seed = null) =>
        TrainTestSplitter.Split(data, testFraction, seed ?? _context.Seed);

    /// <summary>The rows as typed objects (properties filled from columns of the same name; keys read into strings give their values).</summary>
    public IEnumerable<T> CreateEnumerable<T>(IDataView data) where T : class, new() => TypedRows<T>.Enumerate(data);
}

namespace ResNet.MLNet;

/// <summary>Transforms and the ResNet classifier (<c>mlContext.Transforms</c>).</summary>
public sealed class TransformsCatalog
{
    private readonly MLContext _context;

    internal TransformsCatalog(MLContext context)
    {
        _context = context;
        Conversion = new ConversionCatalog();
    }

    /// <summary>Key mappings.</summary>
    public ConversionCatalog Conversion { get; }

    /// <summary>A residual-network image classifier trained on the image and key label columns named in <paramref name="options"/>.</summary>
    public ResNetClassifierEstimator ResNetClassifier(ResNetClassifierOptions? options = null) => new(options ?? new ResNetClassifierOptions(), _context.Seed);
}

/// <summary>Value/key conversions (<c>mlContext.Transforms.Conversion</c>).</summary>
public sealed class ConversionCatalog
{
    internal ConversionCatalog() { }

    /// <summary>Maps text values to keys learned from the data (numbered by first occurrence unless told otherwise).</summary>
    public ValueToKeyMappingEstimator MapValueToKey(string outputColumnName, string? inputColumnName = null, KeyOrdinality keyOrdinality = KeyOrdinality.ByOccurrence) =>
        new(outputColumnName, inputColumnName, keyOrdinality);

    /// <summary>Maps keys back to their text values.</summary>
    public KeyToValueMappingTransformer MapKeyToValue(string outputColumnName, string? inputColumnName = null) => new(outputColumnName, inputColumnName);
}

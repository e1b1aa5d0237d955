namespace ResNet.MLNet;

/// <summary>Fitted transformers applied in order; <see cref="LastTransformer"/> is the final step.</summary>
public sealed class TransformerChain<TLast> : ITransformer, IReadOnlyList<ITransformer>, IDisposable where TLast : class, ITransformer
{
    private readonly ITransformer[] _transformers;

    /// <summary>Creates a chain of <paramref name="transformers"/> (the last one must be a <typeparamref name="TLast"/>).</summary>
    public TransformerChain(IEnumerable<ITransformer> transformers)
    {
        _transformers = transformers.ToArray();
        if (_transformers.Length == 0 || _transformers[^1] is not TLast)
            throw new ArgumentException($"the last transformer of the chain must be a {typeof(TLast).Name}");
    }

    /// <summary>The final step.</summary>
    public TLast LastTransformer => (TLast)_transformers[^1];

    /// <inheritdoc/>
    public int Count => _transformers.Length;
    /// <inheritdoc/>
    public ITransformer this[int index] => _transformers[index];

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) =>
        _transformers.Aggregate(inputSchema, (schema, t) => t.GetOutputSchema(schema));

    /// <inheritdoc/>
    public IDataView Transform(IDataView input) => _transformers.Aggregate(input, (view, t) => t.Transform(view));

    /// <summary>Disposes every step that holds native memory (trained networks).</summary>
    public void Dispose()
    {
        foreach (var t in _transformers.OfType<IDisposable>()) t.Dispose();
    }

    /// <inheritdoc/>
    public IEnumerator<ITransformer> GetEnumerator() => ((IEnumerable<ITransformer>)_transformers).GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

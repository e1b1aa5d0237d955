namespace ResNet.MLNet;

/// <summary>A fitted, immutable step that maps one data view to another lazily (ML.NET's <c>ITransformer</c>).</summary>
public interface ITransformer
{
    /// <summary>The schema <see cref="Transform"/> produces from <paramref name="inputSchema"/>; throws naming a missing or mistyped column.</summary>
    DataViewSchema GetOutputSchema(DataViewSchema inputSchema);

    /// <summary>A lazy view of <paramref name="input"/> with this step applied.</summary>
    IDataView Transform(IDataView input);
}

/// <summary>An untrained step that learns a <typeparamref name="TTransformer"/> from data (ML.NET's <c>IEstimator</c>).</summary>
public interface IEstimator<out TTransformer> where TTransformer : ITransformer
{
    /// <summary>Learns from <paramref name="input"/>.</summary>
    TTransformer Fit(IDataView input);
}

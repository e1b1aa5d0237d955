using ResNet.MLNet.Data.Sources;

namespace ResNet.MLNet;

/// <summary>
/// Scores single examples: a <typeparamref name="TSource"/> (e.g. with <c>string ImagePath</c> or
/// <c>byte[] ImageBytes</c>) goes through the model, and the output columns fill a new <typeparamref name="TPrediction"/>
/// (e.g. <c>float[] Score</c>, <c>string PredictedLabel</c>). Unlike ML.NET's, this engine keeps no per-call state:
/// one instance may be shared by any number of threads (each call builds its own one-row view, the network is
/// read-only, and native intermediates live in the calling thread's own tensor scope).
/// </summary>
public sealed class PredictionEngine<TSource, TPrediction> where TSource : class where TPrediction : class, new()
{
    private readonly ITransformer _model;

    internal PredictionEngine(ITransformer model)
    {
        _model = model;
        var schema = model.GetOutputSchema(EnumerableSource.Load(Array.Empty<TSource>()).Schema);
        _ = new TypedRows<TPrediction>(schema);
    }

    /// <summary>The prediction for <paramref name="example"/>.</summary>
    public TPrediction Predict(TSource example)
    {
        ArgumentNullException.ThrowIfNull(example);
        var output = _model.Transform(EnumerableSource.Load(new[] { example }));
        return TypedRows<TPrediction>.Enumerate(output).Single();
    }
}

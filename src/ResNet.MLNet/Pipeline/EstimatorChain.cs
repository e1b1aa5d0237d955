namespace ResNet.MLNet;

/// <summary>Estimators fitted in order, each on the output of the transformers before it.</summary>
public sealed class EstimatorChain<TLast> : IEstimator<TransformerChain<TLast>> where TLast : class, ITransformer
{
    private readonly IReadOnlyList<IEstimator<ITransformer>> _estimators;

    internal EstimatorChain(IReadOnlyList<IEstimator<ITransformer>> estimators) => _estimators = estimators;

    /// <summary>This chain followed by <paramref name="next"/>.</summary>
    public EstimatorChain<TNext> Append<TNext>(IEstimator<TNext> next) where TNext : class, ITransformer =>
        new(_estimators.Append((IEstimator<ITransformer>)next).ToList());

    /// <inheritdoc/>
    public TransformerChain<TLast> Fit(IDataView input)
    {
        var fitted = new List<ITransformer>();
        var data = input;
        foreach (var estimator in _estimators)
        {
            var transformer = estimator.Fit(data);
            fitted.Add(transformer);
            data = transformer.Transform(data);
        }
        return new TransformerChain<TLast>(fitted);
    }
}

/// <summary>Starts chains from single estimators (ML.NET's <c>.Append</c> extension).</summary>
public static class EstimatorExtensions
{
    /// <summary><paramref name="first"/> followed by <paramref name="next"/>.</summary>
    public static EstimatorChain<TNext> Append<TFirst, TNext>(this IEstimator<TFirst> first, IEstimator<TNext> next)
        where TFirst : class, ITransformer where TNext : class, ITransformer =>
        new(new IEstimator<ITransformer>[] { first, next });
}

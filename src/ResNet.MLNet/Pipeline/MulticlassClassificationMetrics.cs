namespace ResNet.MLNet;

/// <summary>Multiclass evaluation results under ML.NET's names and definitions.</summary>
public sealed record MulticlassClassificationMetrics
{
    /// <summary>Fraction of examples whose predicted class is the true class.</summary>
    public double MicroAccuracy { get; init; }
    /// <summary>Mean over the classes present in the labels of each class's recall (scikit-learn's balanced accuracy).</summary>
    public double MacroAccuracy { get; init; }
    /// <summary>Mean of −ln p(true class), probabilities clamped at 1e-15.</summary>
    public double LogLoss { get; init; }
    /// <summary>(LogLoss of the label prior − LogLoss) / LogLoss of the label prior: 1 is perfect, 0 no better than the class frequencies.</summary>
    public double LogLossReduction { get; init; }
    /// <summary>Fraction of examples whose true class is among the <see cref="TopKPredictionCount"/> highest scores (0 when k is 0).</summary>
    public double TopKAccuracy { get; init; }
    /// <summary>The k of <see cref="TopKAccuracy"/>.</summary>
    public int TopKPredictionCount { get; init; }
    /// <summary>Top-k accuracy for every k from 1 to the number of classes.</summary>
    public IReadOnlyList<double> TopKAccuracyForAllK { get; init; } = Array.Empty<double>();
    /// <summary>Mean log-loss of the examples of each class (NaN for a class without examples).</summary>
    public IReadOnlyList<double> PerClassLogLoss { get; init; } = Array.Empty<double>();
    /// <summary>The confusion matrix.</summary>
    public required ConfusionMatrix ConfusionMatrix { get; init; }
    /// <summary>The number of examples evaluated.</summary>
    public long Count { get; init; }
}

namespace ResNet.MLNet;

/// <summary>Multiclass evaluation (<c>mlContext.MulticlassClassification</c>).</summary>
public sealed class MulticlassClassificationCatalog
{
    internal MulticlassClassificationCatalog() { }

    /// <summary>
    /// Metrics of scored data: <paramref name="labelColumnName"/> must be a key column, <paramref name="scoreColumnName"/>
    /// a probability vector per row; the prediction is <paramref name="predictedLabelColumnName"/> when present, else the
    /// highest score. <paramref name="topKPredictionCount"/> sets <see cref="MulticlassClassificationMetrics.TopKAccuracy"/>'s k.
    /// </summary>
    public MulticlassClassificationMetrics Evaluate(IDataView data, string labelColumnName = "Label", string scoreColumnName = "Score",
        string predictedLabelColumnName = "PredictedLabel", int topKPredictionCount = 0) =>
        MulticlassEvaluator.Evaluate(data, labelColumnName, scoreColumnName, predictedLabelColumnName, topKPredictionCount);
}

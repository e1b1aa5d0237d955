using Microsoft.ML;
using Microsoft.ML.Data;
using ResNet.MLNet.Torch;

namespace ResNet.MLNet.Engine;

/// <summary>
/// Test metrics of a libtorch model on engine data, computed by ML.NET's own multiclass evaluator, the one metrics core
/// of this library (the pipeline, the CLI, the demo and the reports read the same <see cref="MulticlassClassificationMetrics"/>):
/// micro and macro accuracy, log loss, top-k accuracy and the confusion matrix (rows: true class, columns: predicted).
/// </summary>
public static class ClassificationReport
{
    /// <summary>Scores every example of <paramref name="data"/> with <paramref name="scorer"/> and evaluates the
    /// probabilities with ML.NET (<c>MulticlassClassification.Evaluate</c>, top-k with <paramref name="topK"/>).</summary>
    public static MulticlassClassificationMetrics Evaluate(Scorer scorer, ITrainingData data, int batchSize = 256, int topK = 0)
    {
        int k = data.ClassCount;
        var rows = new List<Row>(data.Count);
        foreach (var (images, labels) in data.Batches(batchSize, shuffle: false, seed: 0))
        {
            using var scope = TensorScope.Begin();
            using (images)
            using (labels)
            {
                var p = scorer.Probabilities(images);
                var y = labels.ToArray<long>();
                for (int i = 0; i < y.Length; i++)
                {
                    var score = p.AsSpan(i * k, k).ToArray();
                    // LoadFromEnumerable takes a key column's values as 0-based class indices (checked against ML.NET 5.0.1).
                    rows.Add(new Row { Label = (uint)y[i], Score = score, PredictedLabel = (uint)ArgMax(score) });
                }
            }
        }
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Label)].ColumnType = new KeyDataViewType(typeof(uint), k);
        schema[nameof(Row.PredictedLabel)].ColumnType = new KeyDataViewType(typeof(uint), k);
        schema[nameof(Row.Score)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, k);
        var ml = new MLContext();
        return ml.MulticlassClassification.Evaluate(ml.Data.LoadFromEnumerable(rows, schema), topKPredictionCount: topK);
    }

    private static int ArgMax(float[] values)
    {
        int best = 0;
        for (int c = 1; c < values.Length; c++) if (values[c] > values[best]) best = c;
        return best;
    }

    private sealed class Row
    {
        public uint Label { get; set; }
        public float[] Score { get; set; } = [];
        public uint PredictedLabel { get; set; }
    }
}

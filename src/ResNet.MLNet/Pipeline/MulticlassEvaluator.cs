namespace ResNet.MLNet;

/// <summary>Computes <see cref="MulticlassClassificationMetrics"/> from a view with a key label column, a probability
/// vector column and optionally a predicted key column. Errors name the row and column at fault.</summary>
internal static class MulticlassEvaluator
{
    private const double Epsilon = 1e-15;

    public static MulticlassClassificationMetrics Evaluate(IDataView data, string labelColumn, string scoreColumn, string predictedColumn, int topK)
    {
        var schema = data.Schema;
        int label = ImageColumnReader.CheckLabelColumn(schema, labelColumn);
        int score = schema.IndexOf(scoreColumn);
        if (schema[score].Type != typeof(float[])) throw new ArgumentException($"score column '{scoreColumn}' holds {schema[score].Type.Name}, not float[]");
        int predicted = schema.TryIndexOf(predictedColumn);
        var classNames = schema[label].KeyValues!;
        int k = classNames.Count;
        if (topK < 0 || topK > k) throw new ArgumentException($"topKPredictionCount must be in [0, {k}], got {topK}");

        var confusion = new long[k, k];
        var classLoss = new double[k];
        var classCount = new long[k];
        var rankHits = new long[k];
        double loss = 0;
        long n = 0;
        using (var cursor = data.GetRowCursor())
        {
            while (cursor.MoveNext())
            {
                long row = cursor.Position + 1;
                if (cursor.GetValue(label) is not uint key || key == 0 || key > k)
                    throw new InvalidDataException($"row {row}: column '{labelColumn}' has no valid label key (a missing label, or one not seen in training)");
                int truth = (int)key - 1;
                if (cursor.GetValue(score) is not float[] p || p.Length != k)
                    throw new InvalidDataException($"row {row}: column '{scoreColumn}' must hold {k} probabilities (one per class of '{labelColumn}')");
                int guess = predicted >= 0 && cursor.GetValue(predicted) is uint pk && pk >= 1 && pk <= k ? (int)pk - 1 : ResNetClassifierTransformer.ArgMax(p);
                confusion[truth, guess]++;
                double l = -Math.Log(Math.Max(p[truth], Epsilon));
                loss += l;
                classLoss[truth] += l;
                classCount[truth]++;
                rankHits[Rank(p, truth)]++;
                n++;
            }
        }
        if (n == 0) throw new ArgumentException("the data view to evaluate is empty: there are no rows to compute metrics on");

        double logLoss = loss / n;
        double prior = 0;
        for (int c = 0; c < k; c++) if (classCount[c] > 0) prior -= classCount[c] * Math.Log((double)classCount[c] / n);
        prior /= n;
        var topKAll = new double[k];
        long cumulative = 0;
        for (int r = 0; r < k; r++) { cumulative += rankHits[r]; topKAll[r] = (double)cumulative / n; }
        var matrix = new ConfusionMatrix(confusion, classNames);
        long correct = Enumerable.Range(0, k).Sum(c => confusion[c, c]);
        var presentRecalls = Enumerable.Range(0, k).Where(c => classCount[c] > 0).Select(c => matrix.PerClassRecall[c]).ToList();
        return new MulticlassClassificationMetrics
        {
            MicroAccuracy = (double)correct / n,
            MacroAccuracy = presentRecalls.Average(),
            LogLoss = logLoss,
            LogLossReduction = prior > 0 ? (prior - logLoss) / prior : 0,
            TopKPredictionCount = topK,
            TopKAccuracy = topK == 0 ? 0 : topKAll[topK - 1],
            TopKAccuracyForAllK = topKAll,
            PerClassLogLoss = Enumerable.Range(0, k).Select(c => classCount[c] == 0 ? double.NaN : classLoss[c] / classCount[c]).ToArray(),
            ConfusionMatrix = matrix,
            Count = n,
        };
    }

    /// <summary>The 0-based rank of the true class: classes scored higher, or equal with a higher index, come first
    /// (scikit-learn's top_k_accuracy_score order: a stable ascending sort, reversed).</summary>
    private static int Rank(float[] p, int truth)
    {
        int rank = 0;
        for (int c = 0; c < p.Length; c++)
            if (p[c] > p[truth] || (p[c] == p[truth] && c > truth)) rank++;
        return rank;
    }
}

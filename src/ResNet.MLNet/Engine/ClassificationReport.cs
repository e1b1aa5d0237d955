using ResNet.MLNet.Torch;

namespace ResNet.MLNet.Engine;

/// <summary>
/// Multiclass test metrics with ML.NET's meanings: <see cref="Accuracy"/> (micro), <see cref="MacroAccuracy"/> (mean
/// per-class recall), <see cref="LogLoss"/> (mean −ln p(true class), probabilities clipped at 1e-15) and the
/// confusion matrix (rows: true class, columns: predicted class).
/// </summary>
public sealed record ClassificationReport(double Accuracy, double MacroAccuracy, double LogLoss, long[,] ConfusionMatrix, IReadOnlyList<string> ClassNames)
{
    /// <summary>Scores every example of <paramref name="data"/> with <paramref name="scorer"/> and computes the metrics.</summary>
    public static ClassificationReport Evaluate(Scorer scorer, ITrainingData data, int batchSize = 256)
    {
        int k = data.ClassCount;
        var confusion = new long[k, k];
        double logLoss = 0;
        long n = 0;
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
                    int predicted = 0;
                    for (int c = 1; c < k; c++) if (p[i * k + c] > p[i * k + predicted]) predicted = c;
                    confusion[y[i], predicted]++;
                    logLoss -= Math.Log(Math.Max(p[i * k + y[i]], 1e-15));
                }
                n += y.Length;
            }
        }
        return FromConfusion(confusion, logLoss / n, data.ClassNames);
    }

    private static ClassificationReport FromConfusion(long[,] confusion, double logLoss, IReadOnlyList<string> classNames)
    {
        int k = confusion.GetLength(0);
        long correct = 0, total = 0;
        double recallSum = 0;
        int present = 0;
        for (int t = 0; t < k; t++)
        {
            long row = 0;
            for (int c = 0; c < k; c++) row += confusion[t, c];
            correct += confusion[t, t];
            total += row;
            if (row == 0) continue;
            recallSum += (double)confusion[t, t] / row;
            present++;
        }
        return new ClassificationReport((double)correct / total, recallSum / present, logLoss, confusion, classNames);
    }
}

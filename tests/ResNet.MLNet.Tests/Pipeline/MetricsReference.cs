using Microsoft.ML.Data;
using System.Text.Json;
using ResNet.MLNet.Tests.Support;

namespace ResNet.MLNet.Tests.Pipeline;

/// <summary>Compares <see cref="MulticlassClassificationMetrics"/> with scikit-learn's metrics on the same predictions.</summary>
public static class MetricsReference
{
    public static void AssertMatchesScikitLearn(MulticlassClassificationMetrics m, IReadOnlyList<long> labels, IReadOnlyList<float[]> scores, int k)
    {
        using var dir = new TempDir();
        var input = dir.File("predictions.json");
        File.WriteAllText(input, JsonSerializer.Serialize(new
        {
            labels, scores = scores.Select(s => s.Select(v => (double)v).ToArray()), k,
        }));
        using var reference = JsonDocument.Parse(PythonReference.Run("sklearn_metrics.py", input));
        var r = reference.RootElement;
        Assert.Equal(r.GetProperty("accuracy").GetDouble(), m.MicroAccuracy, 1e-6);
        Assert.Equal(r.GetProperty("balanced_accuracy").GetDouble(), m.MacroAccuracy, 1e-6);
        Assert.Equal(r.GetProperty("log_loss").GetDouble(), m.LogLoss, 1e-6);
        Assert.Equal(r.GetProperty("top_k").GetDouble(), m.TopKAccuracy, 1e-6);
        var confusion = r.GetProperty("confusion_matrix").EnumerateArray().Select(row => row.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
        Assert.Equal(confusion.Length, m.ConfusionMatrix.NumberOfClasses);
        for (int t = 0; t < confusion.Length; t++) Assert.Equal(confusion[t], m.ConfusionMatrix.Counts[t]);
    }
}

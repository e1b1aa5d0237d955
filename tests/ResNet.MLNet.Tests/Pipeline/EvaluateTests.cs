namespace ResNet.MLNet.Tests.Pipeline;

/// <summary>Evaluate on synthetic scored rows (random probabilities, imbalanced classes) against scikit-learn.</summary>
public class EvaluateTests
{
    private sealed class ScoredRow
    {
        public string Label { get; set; } = "";
        public float[] Score { get; set; } = Array.Empty<float>();
    }

    [Theory]
    [InlineData(1, 5, 3)]
    [InlineData(2, 3, 1)]
    public void MetricsEqualScikitLearns(int seed, int classes, int k)
    {
        var random = new Random(seed);
        var names = Enumerable.Range(0, classes).Select(c => $"class{c}").ToArray();
        var rows = Enumerable.Range(0, 300).Select(_ =>
        {
            int label = Math.Min(classes - 1, (int)(classes * random.NextDouble() * random.NextDouble() * 1.6));
            var logits = Enumerable.Range(0, classes).Select(c => random.NextDouble() * 3 + (c == label ? 1.5 : 0)).ToArray();
            double sum = logits.Sum(Math.Exp);
            return new ScoredRow { Label = names[label], Score = logits.Select(l => (float)(Math.Exp(l) / sum)).ToArray() };
        }).ToList();
        var ml = new MLContext(seed);
        // Keys numbered by value, and the key values taken from all classes (so a class absent from the rows still has a key).
        var keys = new ValueToKeyMappingTransformer("Label", "Label", names);
        var view = keys.Transform(ml.Data.LoadFromEnumerable(rows));
        var metrics = ml.MulticlassClassification.Evaluate(view, topKPredictionCount: k);
        var labels = rows.Select(r => (long)Array.IndexOf(names, r.Label)).ToList();
        MetricsReference.AssertMatchesScikitLearn(metrics, labels, rows.Select(r => r.Score).ToList(), k);
        Assert.Equal(300, metrics.Count);
        Assert.Equal(classes, metrics.PerClassLogLoss.Count);
    }

    [Fact]
    public void EmptyViewIsRefused()
    {
        var ml = new MLContext(1);
        var keys = new ValueToKeyMappingTransformer("Label", "Label", new[] { "a", "b" });
        var view = keys.Transform(ml.Data.LoadFromEnumerable(new List<ScoredRow>()));
        var e = Assert.Throws<ArgumentException>(() => ml.MulticlassClassification.Evaluate(view));
        Assert.Contains("empty", e.Message);
    }

    [Fact]
    public void UnseenLabelIsNamedWithItsRow()
    {
        var ml = new MLContext(1);
        var keys = new ValueToKeyMappingTransformer("Label", "Label", new[] { "a", "b" });
        var rows = new List<ScoredRow>
        {
            new() { Label = "a", Score = new[] { 0.6f, 0.4f } },
            new() { Label = "zebra", Score = new[] { 0.5f, 0.5f } },
        };
        var e = Assert.Throws<InvalidDataException>(() => ml.MulticlassClassification.Evaluate(keys.Transform(ml.Data.LoadFromEnumerable(rows))));
        Assert.Contains("'zebra'", e.Message);
        Assert.Contains("row 2", e.Message);
        Assert.Contains("column 'Label'", e.Message);
    }
}

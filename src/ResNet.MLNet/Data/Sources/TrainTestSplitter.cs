namespace ResNet.MLNet.Data.Sources;

/// <summary>A view split in two (ML.NET's <c>TrainTestData</c>).</summary>
/// <param name="TrainSet">The rows not drawn for testing.</param>
/// <param name="TestSet">The rows drawn for testing.</param>
public sealed record TrainTestData(IDataView TrainSet, IDataView TestSet);

/// <summary>
/// Splits a view by a seeded random draw of row indices: one pass counts the rows (cheap for image views, which
/// only list paths), then both halves stream from the source, keeping their rows.
/// </summary>
public static class TrainTestSplitter
{
    /// <summary>Splits <paramref name="data"/>, putting round(<paramref name="testFraction"/>·N) rows in the test set.</summary>
    public static TrainTestData Split(IDataView data, double testFraction, int seed)
    {
        if (!(testFraction > 0 && testFraction < 1)) throw new ArgumentException($"testFraction must be in (0, 1), got {testFraction}");
        long count = data.GetRowCount() ?? RowStreamView.Rows(data).LongCount();
        if (count > int.MaxValue) throw new ArgumentException($"cannot split {count} rows");
        var order = Enumerable.Range(0, (int)count).ToArray();
        new Random(seed).Shuffle(order);
        int testCount = (int)Math.Round(testFraction * count);
        var isTest = new bool[count];
        foreach (var i in order.AsSpan(0, testCount)) isTest[i] = true;
        return new TrainTestData(Filter(data, isTest, false, count - testCount), Filter(data, isTest, true, testCount));
    }

    private static IDataView Filter(IDataView data, bool[] isTest, bool keep, long count) =>
        new RowStreamView(data.Schema, token => RowStreamView.Rows(data, token).Where((_, i) => i < isTest.Length && isTest[i] == keep), () => count);
}

namespace ResNet.MLNet.Engine;

/// <summary>The library's one seeded shuffle (epoch order of in-memory data, the held-out validation draw): a
/// permutation drawn by .NET's <see cref="Random.Shuffle{T}(T[])"/> from <c>new Random(seed)</c>, so the same seed gives
/// the same order in every run, and libtorch's generator is never touched.</summary>
public static class SeededShuffle
{
    /// <summary>0 … <paramref name="count"/> − 1 in the order <paramref name="seed"/> draws.</summary>
    public static int[] Order(int count, int seed)
    {
        var order = Enumerable.Range(0, count).ToArray();
        new Random(seed).Shuffle(order);
        return order;
    }
}

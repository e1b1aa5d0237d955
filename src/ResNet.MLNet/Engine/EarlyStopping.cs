namespace ResNet.MLNet.Engine;

/// <summary>Early stopping on validation loss, decided from the history alone (so it survives a resume).</summary>
public static class EarlyStopping
{
    /// <summary>Whether the last <paramref name="patience"/> epochs all failed to improve on the best validation loss before them.</summary>
    public static bool ShouldStop(IReadOnlyList<EpochMetrics> history, int? patience)
    {
        if (patience is not { } p || history.Count == 0 || history[^1].ValidationLoss == null) return false;
        int best = BestEpoch(history);
        return history.Count - best >= p;
    }

    /// <summary>The 1-based epoch with the lowest validation loss (the first on ties), or the last epoch without
    /// validation data; 0 for an empty history.</summary>
    public static int BestEpoch(IReadOnlyList<EpochMetrics> history)
    {
        int best = 0;
        double bestLoss = double.PositiveInfinity;
        foreach (var m in history)
        {
            if (m.ValidationLoss is not { } loss) { best = m.Epoch; continue; }
            if (loss < bestLoss) (best, bestLoss) = (m.Epoch, loss);
        }
        return best;
    }
}

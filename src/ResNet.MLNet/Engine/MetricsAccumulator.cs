using ResNet.MLNet.Torch;

namespace ResNet.MLNet.Engine;

/// <summary>
/// Sums loss and correct predictions on the device, batch after batch, so a training step never waits for the host;
/// the totals are read once (<see cref="Read"/>) at the end of an epoch.
/// </summary>
public sealed class MetricsAccumulator : IDisposable
{
    private readonly Tensor _lossSum, _correct;

    /// <summary>Images counted so far.</summary>
    public long Count { get; private set; }

    /// <summary>Creates zeroed totals on <paramref name="device"/>.</summary>
    public MetricsAccumulator(Device device)
    {
        _lossSum = Tensor.Zeros(Array.Empty<long>(), DType.Float64, device).DetachFromScope();
        _correct = Tensor.Zeros(Array.Empty<long>(), DType.Int64, device).DetachFromScope();
    }

    /// <summary>Adds a batch: its mean loss (scalar), logits (N, classes) and labels (N). No host synchronisation.</summary>
    public void Add(Tensor meanLoss, Tensor logits, Tensor labels)
    {
        long n = labels.Shape[0];
        using var scope = TensorScope.Begin();
        using var noGrad = Autograd.NoGrad();
        _lossSum.AddInPlace(meanLoss.Detach(), n);
        _correct.AddInPlace(logits.Argmax(1).Eq(labels).Sum());
        Count += n;
    }

    /// <summary>Mean loss so far (one device read).</summary>
    public double MeanLoss => Count == 0 ? double.NaN : _lossSum.Item() / Count;

    /// <summary>The mean loss and accuracy (two device reads).</summary>
    public (double Loss, double Accuracy) Read() =>
        Count == 0 ? (double.NaN, double.NaN) : (_lossSum.Item() / Count, _correct.Item() / Count);

    /// <summary>Frees the totals.</summary>
    public void Dispose()
    {
        _lossSum.Dispose();
        _correct.Dispose();
    }
}

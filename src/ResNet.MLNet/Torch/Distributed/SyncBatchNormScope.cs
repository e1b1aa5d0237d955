namespace ResNet.MLNet.Torch.Distributed;

/// <summary>
/// Turns synchronised batch normalisation on for the calling thread: while a scope is open, every
/// <see cref="Modules.BatchNorm2d"/> in training mode normalises with the statistics of the whole group's batch
/// (<see cref="ProcessGroupOptions.SyncBatchNorm"/>). The trainer opens one around each forward pass when the option is
/// set; scopes nest (the innermost group wins).
/// </summary>
public sealed class SyncBatchNormScope : IDisposable
{
    [ThreadStatic] private static SyncBatchNormScope? t_current;

    private readonly SyncBatchNormScope? _outer;
    private bool _disposed;

    /// <summary>The group the scope synchronises over.</summary>
    public ProcessGroup Group { get; }

    private SyncBatchNormScope(ProcessGroup group) => (Group, _outer) = (group, t_current);

    /// <summary>The group of the calling thread's innermost open scope, or null (per-rank statistics).</summary>
    public static ProcessGroup? Current => t_current?.Group;

    /// <summary>Opens a scope over <paramref name="group"/> on the calling thread; dispose it on the same thread.</summary>
    public static SyncBatchNormScope Enter(ProcessGroup group)
    {
        var scope = new SyncBatchNormScope(group ?? throw new ArgumentNullException(nameof(group)));
        t_current = scope;
        return scope;
    }

    /// <summary>Closes the scope: the previous one (if any) applies again.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (t_current == this) t_current = _outer;
    }
}

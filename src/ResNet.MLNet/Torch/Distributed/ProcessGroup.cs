using ResNet.MLNet.Native;
using ResNet.MLNet.Torch.Modules;

namespace ResNet.MLNet.Torch.Distributed;

/// <summary>
/// A group of processes that train one model together, over libtorch's c10d with the Gloo backend (CPU tensors, TCP).
/// The rendezvous is <c>torch.distributed.init_process_group("gloo", ...)</c>'s, so PyTorch processes can join the
/// same group. Every call blocks until all ranks made it, or fails with a <see cref="TorchException"/> naming this
/// rank, the master and the timeout when a peer died, stalled or cannot be reached. Dispose leaves the group.
/// </summary>
public sealed class ProcessGroup : IDisposable
{
    private readonly ProcessGroupHandle _handle;

    /// <summary>The settings the group was joined with.</summary>
    public ProcessGroupOptions Options { get; }

    /// <summary>This process's rank.</summary>
    public int Rank => Options.Rank;

    /// <summary>The number of processes.</summary>
    public int WorldSize => Options.WorldSize;

    /// <summary>Gradients are all-reduced in buckets of at most this many bytes, one native call each
    /// (<see cref="ProcessGroupOptions.GradientBucketBytes"/>).</summary>
    public long BucketBytes => Options.GradientBucketBytes;

    private ProcessGroup(ProcessGroupOptions options, ProcessGroupHandle handle) => (Options, _handle) = (options, handle);

    /// <summary>
    /// Joins the group described by <paramref name="options"/> (rank 0 starts the rendezvous store unless an agent
    /// serves it); returns when all <see cref="ProcessGroupOptions.WorldSize"/> ranks have joined, or throws after
    /// <see cref="ProcessGroupOptions.Timeout"/>.
    /// </summary>
    public static ProcessGroup Join(ProcessGroupOptions options)
    {
        var o = (options ?? throw new ArgumentNullException(nameof(options))).Validated();
        int status = NativeMethods.rn_dist_create(o.MasterAddress, o.MasterPort, o.Rank, o.WorldSize,
            hostStore: o.Rank == 0 && !o.UseAgentStore ? 1 : 0, o.UseAgentStore ? $"/worker/attempt_{o.RestartCount}" : null,
            o.NetworkInterface, (long)o.Timeout.TotalMilliseconds, out var raw);
        TorchException.ThrowIfFailed(status);
        return new ProcessGroup(o, new ProcessGroupHandle(raw));
    }

    /// <summary>Joins the group torchrun's environment variables describe (<see cref="ProcessGroupOptions.FromEnvironment"/>).</summary>
    public static ProcessGroup JoinFromEnvironment(ProcessGroupOptions? defaults = null) =>
        Join(ProcessGroupOptions.FromEnvironment(defaults));

    /// <summary>Replaces every tensor, in place, by its sum over the ranks (with <paramref name="average"/>, the mean).
    /// Tensors of one dtype travel as one buffer (one all-reduce).</summary>
    public unsafe void AllReduce(IReadOnlyList<Tensor> tensors, bool average = false)
    {
        using var list = new HandleList(tensors);
        fixed (IntPtr* p = list.Pointers)
            TorchException.ThrowIfFailed(NativeMethods.rn_dist_allreduce(_handle, p, tensors.Count, average ? 1 : 0));
    }

    /// <summary>
    /// Averages (or sums) the gradients of <paramref name="parameters"/> over the ranks, in place, in buckets of at most
    /// <see cref="BucketBytes"/> (one native call per bucket). Parameters without a gradient are skipped, so every
    /// rank must have run backward through the same parameters.
    /// </summary>
    public unsafe void AllReduceGradients(IReadOnlyList<Tensor> parameters, bool average = true)
    {
        if (Options.OverlapGradientAllReduce)
        {
            TorchException.ThrowIfFailed(NativeMethods.rn_dist_reducer_finish(ReducerFor(parameters, average)));
            return;
        }
        foreach (var bucket in Buckets(parameters))
        {
            using var list = new HandleList(bucket);
            fixed (IntPtr* p = list.Pointers)
                TorchException.ThrowIfFailed(NativeMethods.rn_dist_allreduce_grads(_handle, p, bucket.Count, average ? 1 : 0));
        }
    }

    /// <summary>Overwrites every tensor, in place, with rank <paramref name="root"/>'s (one broadcast per dtype).</summary>
    public unsafe void Broadcast(IReadOnlyList<Tensor> tensors, int root = 0)
    {
        using var list = new HandleList(tensors);
        fixed (IntPtr* p = list.Pointers)
            TorchException.ThrowIfFailed(NativeMethods.rn_dist_broadcast(_handle, p, tensors.Count, root));
    }

    /// <summary>Makes every rank's copy of <paramref name="model"/> rank <paramref name="root"/>'s: parameters and buffers
    /// (BN running statistics), as DDP does at construction.</summary>
    public void BroadcastModel(Module model, int root = 0) =>
        Broadcast(model.StateDict().Select(kv => kv.Value).ToList(), root);

    /// <summary>Returns when every rank has called it.</summary>
    public void Barrier() => TorchException.ThrowIfFailed(NativeMethods.rn_dist_barrier(_handle));

    /// <summary>Sums <paramref name="values"/> over the ranks (float64, for metrics and counts).</summary>
    public double[] Sum(params double[] values)
    {
        using var t = Tensor.FromArray(values, new long[] { values.Length }).DetachFromScope();
        AllReduce(new[] { t });
        return t.ToArray<double>();
    }

    /// <summary>Training-mode batch normalisation of <paramref name="input"/> with the statistics of the whole group's
    /// batch (every rank must call it for the same layers in the same order); updates the running statistics in place.
    /// Differentiable: its backward all-reduces the gradient terms, so the group must outlive the backward pass.</summary>
    internal Tensor SyncBatchNorm(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight, Tensor? bias, double momentum, double eps) =>
        Tensor.From(NativeMethods.rn_dist_sync_batch_norm(_handle, input.H, Tensor.HandleOrNull(weight), Tensor.HandleOrNull(bias),
            Tensor.HandleOrNull(runningMean), Tensor.HandleOrNull(runningVar), momentum, eps, out var r), r);

    private List<List<Tensor>> Buckets(IReadOnlyList<Tensor> parameters)
    {
        var buckets = new List<List<Tensor>> { new() };
        long bytes = 0;
        foreach (var p in parameters)
        {
            long size = p.NumElements * p.DType.ElementSize();
            if (bytes > 0 && bytes + size > BucketBytes) { buckets.Add(new()); bytes = 0; }
            buckets[^1].Add(p);
            bytes += size;
        }
        return buckets;
    }

    // The overlapping reducer of the last parameter list (its hooks are on those parameters until it is replaced or the
    // group is disposed), and what it was made for: the native tensors, which of them require a gradient, the averaging.
    private ReducerHandle? _reducer;
    private (IntPtr Tensor, bool RequiresGrad)[] _reducerKey = Array.Empty<(IntPtr, bool)>();
    private bool _reducerAverages;

    private unsafe ReducerHandle ReducerFor(IReadOnlyList<Tensor> parameters, bool average)
    {
        var key = parameters.Select(p => (p.H.DangerousGetHandle(), p.RequiresGrad)).ToArray();
        if (_reducer != null && _reducerAverages == average && key.SequenceEqual(_reducerKey)) return _reducer;
        _reducer?.Dispose();
        _reducer = null;
        using var list = new HandleList(parameters);
        IntPtr raw;
        fixed (IntPtr* p = list.Pointers)
            TorchException.ThrowIfFailed(NativeMethods.rn_dist_reducer_create(_handle, p, parameters.Count, BucketBytes, average ? 1 : 0, out raw));
        (_reducer, _reducerKey, _reducerAverages) = (new ReducerHandle(raw), key, average);
        return _reducer;
    }

    /// <summary>Leaves the group: closes the connections to the peers (rank 0 also stops the rendezvous store).</summary>
    public void Dispose()
    {
        _reducer?.Dispose();
        _handle.Dispose();
    }
}

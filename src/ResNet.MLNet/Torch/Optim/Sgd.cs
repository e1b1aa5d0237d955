using ResNet.MLNet.Native;

namespace ResNet.MLNet.Torch.Optim;

/// <summary>Settings of <see cref="Sgd"/>; the defaults are torch.optim.SGD's.</summary>
public sealed record SgdOptions
{
    /// <summary>Learning rate.</summary>
    public double LearningRate { get; init; } = 0.1;
    /// <summary>Momentum factor (0 = plain SGD).</summary>
    public double Momentum { get; init; } = 0.9;
    /// <summary>Dampening of the momentum.</summary>
    public double Dampening { get; init; }
    /// <summary>L2 penalty added to the gradient.</summary>
    public double WeightDecay { get; init; }
    /// <summary>Nesterov momentum.</summary>
    public bool Nesterov { get; init; }
    /// <summary>Exempt 1-D parameters (BN γ/β and biases) from weight decay.</summary>
    public bool NoDecayOnNormAndBias { get; init; }
}

/// <summary>
/// Stochastic gradient descent with momentum, identical to <c>torch.optim.SGD</c>, updating the whole parameter list
/// in one native call per step (one per learning-rate group when parameters have their own learning-rate scales, as
/// torch's parameter groups). Owns its momentum buffers (exposed for checkpoints).
/// </summary>
public sealed class Sgd : IDisposable
{
    private readonly IReadOnlyList<Tensor> _parameters;
    private readonly IntPtr[] _buffers;
    private readonly byte[] _decayMask;
    private readonly (double Scale, int[] Indices)[] _groups;

    /// <summary>The settings; <see cref="SgdOptions.LearningRate"/> may be changed between steps by a schedule.</summary>
    public SgdOptions Options { get; set; }

    /// <summary>Creates the optimiser over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The tensors to update.</param>
    /// <param name="options">The settings.</param>
    /// <param name="learningRateScales">One multiplier of <see cref="SgdOptions.LearningRate"/> per parameter (torch's
    /// parameter groups with their own <c>lr</c>), or null for 1 everywhere. Positive values only: leave a frozen
    /// parameter out of the list instead.</param>
    public Sgd(IReadOnlyList<Tensor> parameters, SgdOptions options, IReadOnlyList<double>? learningRateScales = null)
    {
        _parameters = parameters.ToList();
        Options = options;
        _buffers = new IntPtr[_parameters.Count];
        _decayMask = _parameters.Select(p => (byte)(options.NoDecayOnNormAndBias && p.Dim <= 1 ? 0 : 1)).ToArray();
        var scales = learningRateScales ?? Enumerable.Repeat(1.0, _parameters.Count).ToArray();
        if (scales.Count != _parameters.Count)
            throw new ArgumentException($"learningRateScales has {scales.Count} values for {_parameters.Count} parameters", nameof(learningRateScales));
        foreach (var s in scales)
            if (!(s > 0) || double.IsInfinity(s))
                throw new ArgumentException($"learning-rate scales must be positive and finite, got {s}", nameof(learningRateScales));
        _groups = Enumerable.Range(0, _parameters.Count).GroupBy(i => scales[i]).Select(g => (g.Key, g.ToArray())).ToArray();
    }

    /// <summary>Applies one update from the parameters' current gradients.</summary>
    public void Step()
    {
        using var list = new HandleList(_parameters);
        if (_groups.Length == 1) Step(list.Pointers, _buffers, _decayMask, _groups[0].Scale);
        else
            foreach (var (scale, indices) in _groups)
            {
                // The native step creates momentum buffers on first use: gather, step, scatter back.
                var buffers = indices.Select(i => _buffers[i]).ToArray();
                Step(indices.Select(i => list.Pointers[i]).ToArray(), buffers, indices.Select(i => _decayMask[i]).ToArray(), scale);
                for (int k = 0; k < indices.Length; k++) _buffers[indices[k]] = buffers[k];
            }
    }

    private unsafe void Step(IntPtr[] parameters, IntPtr[] buffers, byte[] decayMask, double scale)
    {
        var o = Options;
        fixed (IntPtr* p = parameters)
        fixed (IntPtr* b = buffers)
        fixed (byte* m = decayMask)
            TorchException.ThrowIfFailed(NativeMethods.rn_sgd_step(p, b, parameters.Length, o.LearningRate * scale, o.Momentum, o.Dampening,
                o.WeightDecay, m, o.Nesterov ? 1 : 0));
    }

    /// <summary>Drops the parameters' gradients.</summary>
    public void ZeroGrad() => Gradients.Clear(_parameters);

    /// <summary>Copies of the momentum buffers (null where no step has run yet), for checkpoints. The caller owns them.</summary>
    public Tensor?[] MomentumBuffers()
    {
        var result = new Tensor?[_buffers.Length];
        for (int i = 0; i < _buffers.Length; i++)
        {
            if (_buffers[i] == IntPtr.Zero) continue;
            using var view = new Tensor(Alias(_buffers[i])).DetachFromScope();
            result[i] = view.Clone().DetachFromScope();
        }
        return result;
    }

    /// <summary>Restores momentum buffers saved by <see cref="MomentumBuffers"/> (null entries clear the buffer).</summary>
    public void LoadMomentumBuffers(IReadOnlyList<Tensor?> buffers)
    {
        if (buffers.Count != _buffers.Length)
            throw new ArgumentException($"expected {_buffers.Length} momentum buffers, got {buffers.Count}");
        FreeBuffers();
        for (int i = 0; i < _buffers.Length; i++)
        {
            var b = buffers[i];
            if (b == null) continue;
            using var copy = b.Clone().DetachFromScope();
            _buffers[i] = Alias(copy.H.DangerousGetHandle());
        }
    }

    private void FreeBuffers()
    {
        for (int i = 0; i < _buffers.Length; i++)
        {
            NativeMethods.rn_tensor_free(_buffers[i]);
            _buffers[i] = IntPtr.Zero;
        }
    }

    /// <summary>Frees the momentum buffers.</summary>
    public void Dispose()
    {
        FreeBuffers();
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees the momentum buffers of an optimiser that was not disposed.</summary>
    ~Sgd() => FreeBuffers();

    /// <summary>A new native reference to the tensor behind a raw handle (the momentum buffers are kept as raw handles).</summary>
    private static IntPtr Alias(IntPtr raw)
    {
        TorchException.ThrowIfFailed(NativeMethods.rn_tensor_alias_raw(raw, out var alias));
        return alias;
    }
}

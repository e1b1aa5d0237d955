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
/// in one native call per step. Owns its momentum buffers (exposed for checkpoints).
/// </summary>
public sealed class Sgd : IDisposable
{
    private readonly IReadOnlyList<Tensor> _parameters;
    private readonly IntPtr[] _buffers;
    private readonly byte[] _decayMask;

    /// <summary>The settings; <see cref="SgdOptions.LearningRate"/> may be changed between steps by a schedule.</summary>
    public SgdOptions Options { get; set; }

    /// <summary>Creates the optimiser over <paramref name="parameters"/>.</summary>
    public Sgd(IReadOnlyList<Tensor> parameters, SgdOptions options)
    {
        _parameters = parameters.ToList();
        Options = options;
        _buffers = new IntPtr[_parameters.Count];
        _decayMask = _parameters.Select(p => (byte)(options.NoDecayOnNormAndBias && p.Dim <= 1 ? 0 : 1)).ToArray();
    }

    /// <summary>Applies one update from the parameters' current gradients.</summary>
    public unsafe void Step()
    {
        var o = Options;
        using var list = new HandleList(_parameters);
        fixed (IntPtr* p = list.Pointers)
        fixed (IntPtr* b = _buffers)
        fixed (byte* m = _decayMask)
            NativeMethods.Check(NativeMethods.rn_sgd_step(p, b, _parameters.Count, o.LearningRate, o.Momentum, o.Dampening,
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
            using var view = new Tensor(NativeMethods.rn_tensor_alias_raw(_buffers[i])).DetachFromScope();
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
            _buffers[i] = NativeMethods.rn_tensor_alias_raw(copy.H.DangerousGetHandle());
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
}

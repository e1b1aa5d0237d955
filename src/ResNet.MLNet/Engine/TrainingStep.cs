using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Distributed;
using ResNet.MLNet.Torch.Modules;
using ResNet.MLNet.Torch.Optim;

namespace ResNet.MLNet.Engine;

/// <summary>
/// One optimiser step exactly as <see cref="Trainer"/> runs it: inputs to the device (channels-last when asked), zeroed
/// gradients, forward and cross-entropy (under bf16 autocast when asked), backward, one fused SGD update. Nothing is read back to the host, so consecutive
/// steps queue without synchronisation. The benchmark times this same code.
/// </summary>
public sealed class TrainingStep
{
    private readonly Module _model;
    private readonly Sgd _sgd;
    private readonly ProcessGroup? _group;
    private readonly IReadOnlyList<Tensor> _parameters;

    /// <summary>Where inputs are moved before the forward pass.</summary>
    public Device Device { get; }

    /// <summary>Whether inputs are converted to channels-last.</summary>
    public bool ChannelsLast { get; }

    /// <summary>Label smoothing of the loss.</summary>
    public double LabelSmoothing { get; }

    /// <summary>The arithmetic of the forward and backward passes.</summary>
    public TrainingPrecision Precision { get; }

    /// <summary>Steps <paramref name="model"/> with <paramref name="sgd"/> (whose parameters must be the model's); with a
    /// <paramref name="group"/>, gradients are averaged over its ranks between backward and the update.</summary>
    /// <exception cref="NotSupportedException"><see cref="TrainingPrecision.BFloat16"/> on a CPU without AVX512_BF16.</exception>
    public TrainingStep(Module model, Sgd sgd, Device device, bool channelsLast, double labelSmoothing = 0,
        TrainingPrecision precision = TrainingPrecision.Float32, ProcessGroup? group = null)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _sgd = sgd ?? throw new ArgumentNullException(nameof(sgd));
        CheckSupported(precision, device);
        (Device, ChannelsLast, LabelSmoothing, Precision, _group) = (device, channelsLast, labelSmoothing, precision, group);
        _parameters = group == null ? Array.Empty<Tensor>() : model.Parameters();
    }

    /// <summary>Throws when <paramref name="precision"/> cannot run on <paramref name="device"/>: CPU bf16 without
    /// AVX512_BF16 would run emulated, slower than fp32, so it is refused rather than silently slow.</summary>
    public static void CheckSupported(TrainingPrecision precision, Device device)
    {
        if (precision == TrainingPrecision.BFloat16 && device.Type == DeviceType.Cpu && !Autocast.CpuSupportsBFloat16)
            throw new NotSupportedException("Precision BFloat16 on the CPU needs AVX512_BF16, which this CPU lacks; train with Precision Float32");
    }

    /// <summary>
    /// Runs one step at <paramref name="learningRate"/> on a float (N, C, H, W) batch and int64 labels (N); returns the
    /// mean loss (scalar) and the logits, both detached and owned by the caller's scope.
    /// </summary>
    public (Tensor Loss, Tensor Logits) Run(Tensor images, Tensor labels, double learningRate)
    {
        var (x, y) = DeviceBatch.Prepare(images, labels, Device, ChannelsLast);
        return RunPrepared(x, y, learningRate);
    }

    /// <summary><see cref="Run"/> on a batch that <see cref="DeviceBatch.Prepare"/> already put on the device.</summary>
    internal (Tensor Loss, Tensor Logits) RunPrepared(Tensor x, Tensor y, double learningRate)
    {
        _sgd.Options = _sgd.Options with { LearningRate = learningRate };
        _sgd.ZeroGrad();
        Tensor logits, loss;
        using (Precision == TrainingPrecision.BFloat16 ? Autocast.Enter(Device, DType.BFloat16) : null)
        using (_group is { Options.SyncBatchNorm: true } ? SyncBatchNormScope.Enter(_group) : null)
        {
            logits = _model.Forward(x);
            loss = F.CrossEntropy(logits, y, Reduction.Mean, LabelSmoothing); // fp32 under autocast, as in PyTorch
        }
        loss.Backward();
        _group?.AllReduceGradients(_parameters);
        _sgd.Step();
        var detached = logits.Detach();
        return (loss.Detach(), detached.DType == DType.Float32 ? detached : detached.To(DType.Float32));
    }
}

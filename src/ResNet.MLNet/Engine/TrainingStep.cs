using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Distributed;
using ResNet.MLNet.Torch.Modules;
using ResNet.MLNet.Torch.Optim;

namespace ResNet.MLNet.Engine;

/// <summary>
/// One optimiser step exactly as <see cref="Trainer"/> runs it: inputs to the device (channels-last when asked), zeroed
/// gradients, forward, cross-entropy, backward, one fused SGD update. Nothing is read back to the host, so consecutive
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

    /// <summary>Steps <paramref name="model"/> with <paramref name="sgd"/> (whose parameters must be the model's); with a
    /// <paramref name="group"/>, gradients are averaged over its ranks between backward and the update.</summary>
    public TrainingStep(Module model, Sgd sgd, Device device, bool channelsLast, double labelSmoothing = 0, ProcessGroup? group = null)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _sgd = sgd ?? throw new ArgumentNullException(nameof(sgd));
        (Device, ChannelsLast, LabelSmoothing, _group) = (device, channelsLast, labelSmoothing, group);
        _parameters = group == null ? Array.Empty<Tensor>() : model.Parameters();
    }

    /// <summary>
    /// Runs one step at <paramref name="learningRate"/> on a float (N, C, H, W) batch and int64 labels (N); returns the
    /// mean loss (scalar) and the logits, both detached and owned by the caller's scope.
    /// </summary>
    public (Tensor Loss, Tensor Logits) Run(Tensor images, Tensor labels, double learningRate)
    {
        var x = images.To(Device);
        if (ChannelsLast) x = x.Contiguous(MemoryFormat.ChannelsLast);
        var y = labels.To(Device);
        _sgd.Options = _sgd.Options with { LearningRate = learningRate };
        _sgd.ZeroGrad();
        var logits = _model.Forward(x);
        var loss = F.CrossEntropy(logits, y, Reduction.Mean, LabelSmoothing);
        loss.Backward();
        _group?.AllReduceGradients(_parameters);
        _sgd.Step();
        return (loss.Detach(), logits.Detach());
    }
}

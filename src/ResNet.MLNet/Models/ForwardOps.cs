using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Modules;

namespace ResNet.MLNet.Models;

/// <summary>
/// The operations a network's forward pass composes, over libtorch tensors (running it) or over the value names of
/// an ONNX graph (writing it), so that each forward is written once and its export is the same code.
/// </summary>
internal interface IForwardOps<T>
{
    /// <summary>A child module applied to <paramref name="x"/>.</summary>
    T Run(Module module, T x);

    /// <summary>max(x, 0); <paramref name="inPlace"/> where <paramref name="x"/> is a temporary nobody else reads.</summary>
    T Relu(T x, bool inPlace);

    /// <summary><c>x + shortcut</c>, overwriting <paramref name="x"/> where that saves memory.</summary>
    T Add(T x, T shortcut);

    /// <summary>Every axis after the batch axis into one: (N, d1, d2, ...) to (N, d1·d2·...).</summary>
    T Flatten(T x);

    /// <summary>Marks <paramref name="x"/> as read again later, so the operations that consume it leave it alive.</summary>
    T Keep(T x);
}

/// <summary>
/// Runs a forward pass on libtorch, releasing each intermediate tensor as soon as the operation after it has consumed
/// it, as Python's reference counting does: autograd keeps what backward needs and frees it as backward passes, so
/// the step's memory shrinks during backward instead of peaking until its <see cref="TensorScope"/> ends (holding every
/// intermediate to the end of the step cost tuned PyTorch 3–7 % of its training speed here, docs/benchmarks.md). The
/// forward's input and the values marked with <see cref="Keep"/> are left alive; so is every tensor no scope owns.
/// </summary>
internal sealed class TensorOps(Tensor input) : IForwardOps<Tensor>
{
    private readonly List<Tensor> _kept = [input];

    public Tensor Run(Module module, Tensor x) => Consumed(x, module.Forward(x));
    public Tensor Relu(Tensor x, bool inPlace) => inPlace ? x.ReluInPlace() : Consumed(x, x.Relu());
    public Tensor Add(Tensor x, Tensor shortcut) => Consumed(shortcut, x.AddInPlace(shortcut));
    public Tensor Flatten(Tensor x) => Consumed(x, x.Flatten(1));

    public Tensor Keep(Tensor x)
    {
        _kept.Add(x);
        return x;
    }

    private Tensor Consumed(Tensor x, Tensor result)
    {
        if (!ReferenceEquals(x, result) && !_kept.Exists(k => ReferenceEquals(k, x))) x.ReleaseIfTemporary();
        return result;
    }
}

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
}

/// <summary>Runs a forward pass on libtorch.</summary>
internal sealed class TensorOps : IForwardOps<Tensor>
{
    public static readonly TensorOps Instance = new();

    public Tensor Run(Module module, Tensor x) => module.Forward(x);
    public Tensor Relu(Tensor x, bool inPlace) => inPlace ? x.ReluInPlace() : x.Relu();
    public Tensor Add(Tensor x, Tensor shortcut) => x.AddInPlace(shortcut);
    public Tensor Flatten(Tensor x) => x.Flatten(1);
}

using ResNet.MLNet.Native;

namespace ResNet.MLNet.Torch.Optim;

/// <summary>Gradient housekeeping over a whole parameter list in one native call.</summary>
public static class Gradients
{
    /// <summary>Drops (<paramref name="setToNone"/>) or zeroes the gradients of <paramref name="parameters"/>.</summary>
    public static unsafe void Clear(IReadOnlyList<Tensor> parameters, bool setToNone = true)
    {
        using var list = new HandleList(parameters);
        fixed (IntPtr* p = list.Pointers)
            TorchException.ThrowIfFailed(NativeMethods.rn_zero_grad(p, parameters.Count, setToNone ? 1 : 0));
    }
}

using System.Runtime.InteropServices;

namespace ResNet.MLNet.Native;

/// <summary>
/// Owns one native <c>at::Tensor*</c>. SafeHandle guarantees a single release, even when the finalizer and
/// <c>Dispose</c> race, and keeps the handle alive while a native call uses it.
/// </summary>
internal sealed class TensorHandle : SafeHandle
{
    /// <summary>A non-owning null handle, passed for optional tensor arguments.</summary>
    internal static readonly TensorHandle Null = new(IntPtr.Zero, ownsHandle: false);

    internal TensorHandle(IntPtr raw, bool ownsHandle = true) : base(IntPtr.Zero, ownsHandle) => SetHandle(raw);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        NativeMethods.rn_tensor_free(handle);
        return true;
    }
}

using System.Runtime.InteropServices;

namespace ResNet.MLNet.Native;

/// <summary>Owns one native process group (c10d store + Gloo group); released exactly once.</summary>
internal sealed class ProcessGroupHandle : SafeHandle
{
    public ProcessGroupHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    internal ProcessGroupHandle(IntPtr raw) : this() => SetHandle(raw);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        NativeMethods.rn_dist_free(handle);
        return true;
    }
}

/// <summary>Owns one native gradient reducer (its hooks on the parameters' gradient accumulators); released exactly once,
/// before its group.</summary>
internal sealed class ReducerHandle : SafeHandle
{
    public ReducerHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    internal ReducerHandle(IntPtr raw) : this() => SetHandle(raw);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        NativeMethods.rn_dist_reducer_free(handle);
        return true;
    }
}

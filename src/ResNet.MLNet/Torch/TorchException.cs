namespace ResNet.MLNet.Torch;

/// <summary>
/// An error raised by libtorch or by the native shim (bad shape, wrong dtype, out of memory, ...).
/// The message is libtorch's own text without its C++ backtrace.
/// </summary>
public sealed class TorchException : Exception
{
    /// <summary>Creates the exception with libtorch's message.</summary>
    public TorchException(string message) : base(message) { }

    /// <summary>Throws the shim's last error when <paramref name="status"/> (a shim function's return value) is not 0.</summary>
    internal static void ThrowIfFailed(int status)
    {
        if (status != 0) throw new TorchException(Native.NativeMethods.LastError());
    }
}

namespace ResNet.MLNet.Torch;

/// <summary>
/// An error raised by libtorch or by the native shim (bad shape, wrong dtype, out of memory, ...).
/// The message is libtorch's own text without its C++ backtrace.
/// </summary>
public sealed class TorchException : Exception
{
    /// <summary>Creates the exception with libtorch's message.</summary>
    public TorchException(string message) : base(message) { }
}

using ResNet.MLNet.Native;

namespace ResNet.MLNet.Torch;

/// <summary>
/// Autograd switches. Grad mode and inference mode are per thread, as in libtorch: a guard affects the thread
/// that created it and must be disposed on that thread.
/// </summary>
public static class Autograd
{
    /// <summary>Whether operations on this thread record gradients.</summary>
    public static bool IsGradEnabled => NativeMethods.rn_grad_enabled() != 0;

    /// <summary>Disables gradient recording on this thread until disposed (<c>torch.no_grad()</c>).</summary>
    public static GradModeGuard NoGrad() => new(false);

    /// <summary>Enters inference mode on this thread until disposed (<c>torch.inference_mode()</c>): no autograd
    /// bookkeeping at all; tensors created inside cannot later be used in autograd.</summary>
    public static InferenceModeGuard InferenceMode() => new();
}

/// <summary>Restores the previous grad mode when disposed.</summary>
public sealed class GradModeGuard : IDisposable
{
    private readonly bool _previous;
    private readonly int _threadId = Environment.CurrentManagedThreadId;
    private bool _disposed;

    internal GradModeGuard(bool enabled)
    {
        _previous = Autograd.IsGradEnabled;
        NativeMethods.rn_set_grad_enabled(enabled ? 1 : 0);
    }

    /// <summary>Restores the grad mode that was in force before this guard.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        if (Environment.CurrentManagedThreadId != _threadId)
            throw new InvalidOperationException("a grad-mode guard must be disposed on the thread that created it");
        _disposed = true;
        NativeMethods.rn_set_grad_enabled(_previous ? 1 : 0);
    }
}

/// <summary>Leaves inference mode when disposed.</summary>
public sealed class InferenceModeGuard : ThreadBoundNativeGuard
{
    internal InferenceModeGuard() : base("an inference-mode guard", NativeMethods.rn_inference_mode_exit)
    {
        TorchException.ThrowIfFailed(NativeMethods.rn_inference_mode_enter(out var guard));
        Handle = guard;
    }
}

/// <summary>A native per-thread state switch (a C++ RAII guard held by pointer): released once, on the thread that
/// opened it, when disposed.</summary>
public abstract class ThreadBoundNativeGuard : IDisposable
{
    private readonly int _threadId = Environment.CurrentManagedThreadId;
    private readonly string _what;
    private readonly Action<IntPtr> _release;

    /// <summary>The native guard; zero once released.</summary>
    private protected IntPtr Handle { get; set; }

    private protected ThreadBoundNativeGuard(string what, Action<IntPtr> release) => (_what, _release) = (what, release);

    /// <summary>Restores the state that was in force before the guard.</summary>
    public void Dispose()
    {
        if (Handle == IntPtr.Zero) return;
        if (Environment.CurrentManagedThreadId != _threadId)
            throw new InvalidOperationException($"{_what} must be disposed on the thread that created it");
        _release(Handle);
        Handle = IntPtr.Zero;
    }
}

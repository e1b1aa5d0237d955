using ResNet.MLNet.Native;

namespace ResNet.MLNet.Torch;

/// <summary>
/// Automatic mixed precision (<c>torch.autocast</c>): inside a region, libtorch runs convolutions and matrix products
/// in a lower precision (bf16 on the CPU, fp16 or bf16 on CUDA) while weights, batch-norm statistics and optimiser
/// state stay fp32. Like grad mode, the switch is per thread: a region affects the thread that opened it and must be
/// disposed on that thread. Run the forward pass and the loss inside, <c>Backward</c> and the optimiser step outside.
/// </summary>
public static class Autocast
{
    /// <summary>Whether this CPU has AVX512_BF16, the instructions that make CPU bf16 autocast fast.</summary>
    public static bool CpuSupportsBFloat16 => NativeMethods.rn_cpu_has_avx512_bf16() != 0;

    /// <summary>Whether autocast is on for <paramref name="device"/>'s type on this thread.</summary>
    public static bool IsEnabled(Device device) => NativeMethods.rn_autocast_is_enabled((int)device.Type) != 0;

    /// <summary>Opens an autocast region for <paramref name="device"/>'s type at <paramref name="dtype"/> (the CPU
    /// takes only <see cref="DType.BFloat16"/>); the previous state is restored and the cast cache cleared on dispose.</summary>
    public static AutocastRegion Enter(Device device, DType dtype = DType.BFloat16) => new(device, dtype);
}

/// <summary>An open autocast region; restores the previous autocast state when disposed.</summary>
public sealed class AutocastRegion : ThreadBoundNativeGuard
{
    internal AutocastRegion(Device device, DType dtype) : base("an autocast region", NativeMethods.rn_autocast_exit)
    {
        TorchException.ThrowIfFailed(NativeMethods.rn_autocast_enter((int)device.Type, (int)dtype, out var region));
        Handle = region;
    }
}

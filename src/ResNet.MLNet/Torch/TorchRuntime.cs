using System.Runtime.InteropServices;
using ResNet.MLNet.Native;

namespace ResNet.MLNet.Torch;

/// <summary>
/// Process-wide libtorch settings. On first use the intra-op thread count is set to
/// <see cref="Environment.ProcessorCount"/> (Debian's libtorch starts with one thread), unless the environment
/// variable <c>RESNET_MLNET_THREADS</c> names another count.
/// </summary>
public static class TorchRuntime
{
    /// <summary>The thread count applied at start-up: <c>RESNET_MLNET_THREADS</c> when set, else all cores.</summary>
    public static int DefaultThreadCount => StartupSettings.ThreadCount;

    /// <summary>
    /// Whether glibc malloc is tuned at start-up for tensor-sized blocks (mmap threshold fixed at 32 MiB, freed memory
    /// kept up to 256 MiB), so that steady-state training and scoring steps reuse memory instead of paying page faults
    /// for every activation. On unless <c>RESNET_MLNET_MALLOC_TUNING=0</c>. See docs/benchmarks.md.
    /// </summary>
    public static bool TuneAllocator => StartupSettings.TuneAllocator;

    /// <summary>The glibc mmap threshold applied when <see cref="TuneAllocator"/> is on (32 MiB, glibc's maximum; the
    /// <c>MALLOC_MMAP_THRESHOLD_</c> a benchmark gives PyTorch for the same setting).</summary>
    public const long MmapThreshold = StartupSettings.MmapThreshold;

    /// <summary>The glibc trim threshold applied when <see cref="TuneAllocator"/> is on (256 MiB; <c>MALLOC_TRIM_THRESHOLD_</c>).</summary>
    public const long TrimThreshold = StartupSettings.TrimThreshold;

    /// <summary>The number of threads libtorch uses inside one operation.</summary>
    public static int NumThreads
    {
        get => NativeMethods.rn_get_num_threads();
        set => TorchException.ThrowIfFailed(NativeMethods.rn_set_num_threads(value));
    }

    /// <summary>Seeds libtorch's CPU and CUDA generators (<c>torch.manual_seed</c>).</summary>
    public static void ManualSeed(ulong seed) => TorchException.ThrowIfFailed(NativeMethods.rn_manual_seed(seed));

    /// <summary>Whether libtorch was built with CUDA and sees a GPU.</summary>
    public static bool CudaIsAvailable => NativeMethods.rn_cuda_is_available() != 0;

    /// <summary>The number of visible CUDA devices.</summary>
    public static int CudaDeviceCount => NativeMethods.rn_cuda_device_count();

    /// <summary>The version of the libtorch the shim was built against.</summary>
    public static string TorchVersion => Marshal.PtrToStringUTF8(NativeMethods.rn_torch_version()) ?? "?";

    /// <summary>The number of native tensor references currently alive (for leak checks).</summary>
    public static long LiveTensors => NativeMethods.rn_live_tensors();
}

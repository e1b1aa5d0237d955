namespace ResNet.MLNet.Native;

/// <summary>
/// The process-wide settings the shim applies when it is first called, read from the environment; documented on
/// <c>TorchRuntime</c>, which exposes them.
/// </summary>
internal static class StartupSettings
{
    /// <summary>Intra-op threads: <c>RESNET_MLNET_THREADS</c> when set to a positive count, else every core.</summary>
    internal static int ThreadCount =>
        int.TryParse(Environment.GetEnvironmentVariable("RESNET_MLNET_THREADS"), out var t) && t > 0 ? t : Environment.ProcessorCount;

    /// <summary>Tune glibc malloc for tensor-sized blocks unless <c>RESNET_MLNET_MALLOC_TUNING=0</c>.</summary>
    internal static bool TuneAllocator => Environment.GetEnvironmentVariable("RESNET_MLNET_MALLOC_TUNING") != "0";

    /// <summary>glibc's mmap threshold under tuning: 32 MiB, its maximum.</summary>
    internal const long MmapThreshold = 32L << 20;

    /// <summary>glibc's trim threshold under tuning: 256 MiB.</summary>
    internal const long TrimThreshold = 256L << 20;
}

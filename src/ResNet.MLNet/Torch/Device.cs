using ResNet.MLNet.Native;

namespace ResNet.MLNet.Torch;

/// <summary>The kind of device a tensor lives on.</summary>
public enum DeviceType
{
    /// <summary>Host memory, CPU kernels.</summary>
    Cpu = 0,
    /// <summary>An NVIDIA GPU through CUDA.</summary>
    Cuda = 1,
}

/// <summary>A device (<c>cpu</c> or <c>cuda:N</c>).</summary>
public readonly record struct Device(DeviceType Type, int Index = 0)
{
    /// <summary>The CPU.</summary>
    public static Device Cpu => new(DeviceType.Cpu);

    /// <summary>CUDA device <paramref name="index"/>.</summary>
    public static Device Cuda(int index = 0) => new(DeviceType.Cuda, index);

    /// <summary>cuda:0 when libtorch sees a GPU, otherwise the CPU.</summary>
    public static Device CudaIfAvailable => Cuda().OrCpuWhenUnavailable();

    /// <summary>This device, or the CPU when it is a CUDA device and libtorch sees no GPU (the one fallback rule).</summary>
    public Device OrCpuWhenUnavailable() => Type == DeviceType.Cuda && !TorchRuntime.CudaIsAvailable ? Cpu : this;

    /// <summary>Parses <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c> or <c>auto</c> (= <see cref="CudaIfAvailable"/>).</summary>
    public static Device Parse(string text)
    {
        var t = text.Trim().ToLowerInvariant();
        if (t == "cpu") return Cpu;
        if (t == "auto") return CudaIfAvailable;
        if (t == "cuda" || t == "gpu") return Cuda();
        if (t.StartsWith("cuda:") && int.TryParse(t.AsSpan(5), out var i) && i >= 0) return Cuda(i);
        throw new FormatException($"unknown device '{text}': expected cpu, cuda, cuda:N or auto");
    }

    /// <summary><c>cpu</c> or <c>cuda:N</c>.</summary>
    public override string ToString() => Type == DeviceType.Cpu ? "cpu" : $"cuda:{Index}";
}

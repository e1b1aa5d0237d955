using System.Reflection;
using System.Runtime.InteropServices;

namespace ResNet.MLNet.Native;

/// <summary>
/// Loads the native shim from beside this assembly (where the build puts it), so that it is found with no
/// LD_LIBRARY_PATH even when the assembly is loaded from a package cache or a notebook kernel.
/// </summary>
internal static class NativeLibraryResolver
{
    private static int _registered;

    internal static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 1) return;
        NativeLibrary.SetDllImportResolver(typeof(NativeLibraryResolver).Assembly, Resolve);
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != NativeMethods.Library) return IntPtr.Zero;
        var candidates = new List<string>();
        var dir = Path.GetDirectoryName(assembly.Location);
        if (!string.IsNullOrEmpty(dir)) candidates.Add(Path.Combine(dir, "libresnet_native.so"));
        candidates.Add(Path.Combine(AppContext.BaseDirectory, "libresnet_native.so"));
        foreach (var path in candidates)
            if (File.Exists(path)) return NativeLibrary.Load(path);
        if (NativeLibrary.TryLoad("libresnet_native.so", assembly, searchPath, out var handle)) return handle;
        throw new DllNotFoundException(
            $"The native shim libresnet_native.so was not found (looked in {string.Join(", ", candidates)}). " +
            "It is built by 'dotnet build' of ResNet.MLNet and needs Debian's libtorch (apt-get install libtorch-dev); " +
            "run 'make test' once to install everything.");
    }
}

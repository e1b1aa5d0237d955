using System.Runtime.InteropServices;

namespace ResNet.MLNet.Native;

internal static partial class NativeMethods
{
    // --- distributed.cpp (c10d, Gloo)
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rn_dist_create(string masterAddr, int masterPort, int rank, int worldSize, int hostStore,
        string? storePrefix, string? networkInterface, long timeoutMs, out IntPtr group);
    [LibraryImport(Library)] internal static partial void rn_dist_free(IntPtr group);
    [LibraryImport(Library)] internal static unsafe partial int rn_dist_allreduce(ProcessGroupHandle group, IntPtr* tensors, int count, int average);
    [LibraryImport(Library)] internal static unsafe partial int rn_dist_allreduce_grads(ProcessGroupHandle group, IntPtr* parameters, int count, int average);
    [LibraryImport(Library)] internal static unsafe partial int rn_dist_broadcast(ProcessGroupHandle group, IntPtr* tensors, int count, int root);
    [LibraryImport(Library)] internal static partial int rn_dist_sync_batch_norm(ProcessGroupHandle group, TensorHandle x, TensorHandle w, TensorHandle b,
        TensorHandle mean, TensorHandle var, double momentum, double eps, out IntPtr result);
    [LibraryImport(Library)] internal static unsafe partial int rn_dist_reducer_create(ProcessGroupHandle group, IntPtr* parameters, int count,
        long bucketBytes, int average, out IntPtr reducer);
    [LibraryImport(Library)] internal static partial int rn_dist_reducer_finish(ReducerHandle reducer);
    [LibraryImport(Library)] internal static partial void rn_dist_reducer_free(IntPtr reducer);
    [LibraryImport(Library)] internal static partial int rn_dist_barrier(ProcessGroupHandle group);
}

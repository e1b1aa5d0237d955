using System.Runtime.InteropServices;

namespace ResNet.MLNet.Native;

/// <summary>
/// P/Invoke declarations of the native shim (<c>libresnet_native.so</c>, sources in this folder).
/// Functions returning <c>int</c> return 0 on success and 1 on error, with the message in <see cref="LastError"/>
/// (the Torch layer turns it into a <c>TorchException</c>). The process-wide settings of <see cref="StartupSettings"/>
/// are applied when the shim is first called.
/// </summary>
internal static partial class NativeMethods
{
    internal const string Library = "resnet_native";

    static NativeMethods()
    {
        NativeLibraryResolver.Register();
        // Debian's libtorch starts with one intra-op thread: use every core unless told otherwise.
        rn_set_num_threads(StartupSettings.ThreadCount);
        if (StartupSettings.TuneAllocator) rn_tune_allocator(StartupSettings.MmapThreshold, StartupSettings.TrimThreshold);
    }

    /// <summary>The message of the shim's last error on this thread.</summary>
    internal static string LastError() => Marshal.PtrToStringUTF8(rn_last_error()) ?? "unknown native error";

    /// <summary>A new native reference to the tensor behind a raw handle (for handles kept outside a <c>Tensor</c>).</summary>
    [LibraryImport(Library, EntryPoint = "rn_tensor_alias")] internal static partial int rn_tensor_alias_raw(IntPtr t, out IntPtr result);

    // --- guard.cpp
    [LibraryImport(Library)] internal static partial IntPtr rn_last_error();
    [LibraryImport(Library)] internal static partial long rn_live_tensors();
    [LibraryImport(Library)] internal static partial void rn_tensor_free(IntPtr t);

    // --- runtime.cpp
    [LibraryImport(Library)] internal static partial int rn_set_num_threads(int n);
    [LibraryImport(Library)] internal static partial int rn_tune_allocator(long mmapThreshold, long trimThreshold);
    [LibraryImport(Library)] internal static partial int rn_get_num_threads();
    [LibraryImport(Library)] internal static partial int rn_manual_seed(ulong seed);
    [LibraryImport(Library)] internal static partial int rn_cuda_is_available();
    [LibraryImport(Library)] internal static partial int rn_cuda_device_count();
    [LibraryImport(Library)] internal static partial IntPtr rn_torch_version();

    // --- tensor.cpp
    [LibraryImport(Library)] internal static unsafe partial int rn_tensor_from_data(void* data, long nbytes, long* shape, int ndim, int dtype, int deviceType, int deviceIndex, out IntPtr result);
    [LibraryImport(Library)] internal static unsafe partial int rn_tensor_new(int kind, long* shape, int ndim, int dtype, int deviceType, int deviceIndex, out IntPtr result);
    [LibraryImport(Library)] internal static unsafe partial int rn_tensor_randint(long low, long high, long* shape, int ndim, int deviceType, int deviceIndex, out IntPtr result);
    [LibraryImport(Library)] internal static unsafe partial int rn_tensor_copy_to(TensorHandle t, void* dst, long nbytes);
    [LibraryImport(Library)] internal static partial int rn_tensor_info(TensorHandle t, out int ndim, out int dtype, out int deviceType, out int deviceIndex, out int requiresGrad);
    [LibraryImport(Library)] internal static unsafe partial int rn_tensor_shape(TensorHandle t, long* shape, int capacity);
    [LibraryImport(Library)] internal static partial int rn_tensor_is_contiguous(TensorHandle t, int memoryFormat, out int result);
    [LibraryImport(Library)] internal static partial int rn_tensor_to(TensorHandle t, int dtype, int deviceType, int deviceIndex, int nonBlocking, out IntPtr result);
    [LibraryImport(Library)] internal static partial int rn_tensor_contiguous(TensorHandle t, int memoryFormat, out IntPtr result);
    [LibraryImport(Library)] internal static partial int rn_tensor_clone(TensorHandle t, out IntPtr result);
    [LibraryImport(Library)] internal static partial int rn_tensor_item_double(TensorHandle t, out double value);
    [LibraryImport(Library)] internal static partial int rn_tensor_item_int64(TensorHandle t, out long value);
    [LibraryImport(Library)] internal static partial int rn_tensor_fill_(TensorHandle t, double value);
    [LibraryImport(Library)] internal static partial int rn_tensor_normal_(TensorHandle t, double mean, double std);
    [LibraryImport(Library)] internal static partial int rn_tensor_uniform_(TensorHandle t, double from, double to);
    [LibraryImport(Library)] internal static partial int rn_tensor_copy_(TensorHandle dst, TensorHandle src);
    [LibraryImport(Library)] internal static partial int rn_tensor_set_data(TensorHandle dst, TensorHandle src);

    // --- ops.cpp
    [LibraryImport(Library)] internal static unsafe partial int rn_conv2d(TensorHandle x, TensorHandle w, TensorHandle b, long* stride, long* padding, long* dilation, long groups, out IntPtr result);
    [LibraryImport(Library)] internal static partial int rn_batch_norm(TensorHandle x, TensorHandle w, TensorHandle b, TensorHandle mean, TensorHandle var, int training, double momentum, double eps, out IntPtr result);
    [LibraryImport(Library)] internal static partial int rn_relu(TensorHandle x, out IntPtr result);
    [LibraryImport(Library)] internal static partial int rn_relu_(TensorHandle x);
    [LibraryImport(Library)] internal static unsafe partial int rn_max_pool2d(TensorHandle x, long* kernel, long* stride, long* padding, long* dilation, int ceilMode, out IntPtr result);
    [LibraryImport(Library)] internal static unsafe partial int rn_avg_pool2d(TensorHandle x, long* kernel, long* stride, long* padding, int ceilMode, int countIncludePad, out IntPtr result);
    [LibraryImport(Library)] internal static unsafe partial int rn_adaptive_avg_pool2d(TensorHandle x, long* outputSize, out IntPtr result);
    [LibraryImport(Library)] internal static partial int rn_linear(TensorHandle x, TensorHandle w, TensorHandle b, out IntPtr result);
    [LibraryImport(Library)] internal static partial int rn_dropout(TensorHandle x, double p, int training, out IntPtr result);
    [LibraryImport(Library)] internal static partial int rn_binary(int op, TensorHandle a, TensorHandle b, double alpha, out IntPtr result);
    [LibraryImport(Library)] internal static partial int rn_binary_(int op, TensorHandle a, TensorHandle b, double alpha);
    [LibraryImport(Library)] internal static partial int rn_scalar_op(int op, TensorHandle a, double s, out IntPtr result);
    [LibraryImport(Library)] internal static partial int rn_scalar_op_(int op, TensorHandle a, double s);
    [LibraryImport(Library)] internal static partial int rn_unary(int op, TensorHandle a, out IntPtr result);
    [LibraryImport(Library)] internal static unsafe partial int rn_reduce(int op, TensorHandle a, long* dims, int dimCount, int keepdim, out IntPtr result);
    [LibraryImport(Library)] internal static partial int rn_argmax(TensorHandle a, long dim, int keepdim, out IntPtr result);
    [LibraryImport(Library)] internal static partial int rn_eq(TensorHandle a, TensorHandle b, out IntPtr result);
    [LibraryImport(Library)] internal static partial int rn_log_softmax(TensorHandle a, long dim, out IntPtr result);
    [LibraryImport(Library)] internal static partial int rn_softmax(TensorHandle a, long dim, out IntPtr result);
    [LibraryImport(Library)] internal static partial int rn_cross_entropy(TensorHandle logits, TensorHandle target, int reduction, double labelSmoothing, out IntPtr result);
    [LibraryImport(Library)] internal static partial int rn_nll_loss(TensorHandle logProbs, TensorHandle target, int reduction, out IntPtr result);
    [LibraryImport(Library)] internal static unsafe partial int rn_reshape(TensorHandle a, long* shape, int ndim, out IntPtr result);
    [LibraryImport(Library)] internal static partial int rn_flatten(TensorHandle a, long start, long end, out IntPtr result);
    [LibraryImport(Library)] internal static partial int rn_slice(TensorHandle a, long dim, long start, long end, long step, out IntPtr result);
    [LibraryImport(Library)] internal static partial int rn_index_select(TensorHandle a, long dim, TensorHandle index, out IntPtr result);
    [LibraryImport(Library)] internal static unsafe partial int rn_flip(TensorHandle a, long* dims, int ndim, out IntPtr result);
    [LibraryImport(Library)] internal static unsafe partial int rn_constant_pad(TensorHandle a, long* pads, int count, double value, out IntPtr result);
    [LibraryImport(Library)] internal static unsafe partial int rn_cat(IntPtr* tensors, int count, long dim, out IntPtr result);
    [LibraryImport(Library)] internal static partial int rn_where(TensorHandle cond, TensorHandle a, TensorHandle b, out IntPtr result);
    [LibraryImport(Library)] internal static partial int rn_clamp(TensorHandle a, double min, double max, out IntPtr result);

    // --- autograd.cpp
    [LibraryImport(Library)] internal static partial int rn_tensor_set_requires_grad(TensorHandle t, int value);
    [LibraryImport(Library)] internal static partial int rn_tensor_grad(TensorHandle t, out IntPtr result);
    [LibraryImport(Library)] internal static partial int rn_tensor_detach(TensorHandle t, out IntPtr result);
    [LibraryImport(Library)] internal static partial int rn_tensor_backward(TensorHandle t, TensorHandle gradOutput);
    [LibraryImport(Library)] internal static unsafe partial int rn_zero_grad(IntPtr* tensors, int count, int setToNone);
    [LibraryImport(Library)] internal static partial int rn_grad_enabled();
    [LibraryImport(Library)] internal static partial void rn_set_grad_enabled(int enabled);
    [LibraryImport(Library)] internal static partial int rn_inference_mode_enter(out IntPtr guard);
    [LibraryImport(Library)] internal static partial void rn_inference_mode_exit(IntPtr guard);

    // --- autocast.cpp
    [LibraryImport(Library)] internal static partial int rn_cpu_has_avx512_bf16();
    [LibraryImport(Library)] internal static partial int rn_autocast_enter(int deviceType, int dtype, out IntPtr region);
    [LibraryImport(Library)] internal static partial void rn_autocast_exit(IntPtr region);
    [LibraryImport(Library)] internal static partial int rn_autocast_is_enabled(int deviceType);

    // --- optim.cpp
    [LibraryImport(Library)] internal static unsafe partial int rn_sgd_step(IntPtr* parameters, IntPtr* momentumBuffers, int count, double lr, double momentum, double dampening, double weightDecay, byte* decayMask, int nesterov);
}

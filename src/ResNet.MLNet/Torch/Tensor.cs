using System.Runtime.InteropServices;
using ResNet.MLNet.Native;

namespace ResNet.MLNet.Torch;

/// <summary>Memory layouts of 4-D tensors (libtorch's <c>at::MemoryFormat</c> codes).</summary>
public enum MemoryFormat
{
    /// <summary>NCHW, row-major.</summary>
    Contiguous = 0,
    /// <summary>Keep the layout of the source.</summary>
    Preserve = 1,
    /// <summary>NHWC strides (oneDNN's and cuDNN's preferred layout for convolutions).</summary>
    ChannelsLast = 2,
}

/// <summary>
/// A libtorch tensor. Every tensor owns one native reference; release it with <see cref="Dispose"/>, or create it
/// inside a <see cref="TensorScope"/> that releases it. Operations return new tensors; methods ending in
/// <c>InPlace</c> modify this one.
/// </summary>
public sealed partial class Tensor : IDisposable
{
    internal TensorHandle Handle;
    internal TensorScope? Owner;

    internal Tensor(IntPtr raw)
    {
        if (raw == IntPtr.Zero) throw new TorchException("native call returned no tensor");
        Handle = new TensorHandle(raw);
        TensorScope.Track(this);
    }

    /// <summary>Wraps a handle returned through an out parameter after checking the status code.</summary>
    internal static Tensor From(int status, IntPtr raw)
    {
        if (status != 0)
        {
            if (raw != IntPtr.Zero) NativeMethods.rn_tensor_free(raw);
            TorchException.ThrowIfFailed(status);
        }
        return new Tensor(raw);
    }

    /// <summary>Like <see cref="From"/> but a null handle (an undefined tensor) becomes null.</summary>
    internal static Tensor? FromOptional(int status, IntPtr raw)
    {
        TorchException.ThrowIfFailed(status);
        return raw == IntPtr.Zero ? null : new Tensor(raw);
    }

    /// <summary>The live handle, or a clear error when this tensor was already disposed.</summary>
    internal TensorHandle H
    {
        get
        {
            if (Handle.IsClosed) throw new ObjectDisposedException(nameof(Tensor), "this tensor was disposed (or freed by its TensorScope)");
            return Handle;
        }
    }

    internal static TensorHandle HandleOrNull(Tensor? t) => t == null ? TensorHandle.Null : t.H;

    // ------------------------------------------------------------------ creation

    /// <summary>Copies <paramref name="data"/> into a new tensor of the given shape.</summary>
    public static unsafe Tensor FromSpan<T>(ReadOnlySpan<T> data, ReadOnlySpan<long> shape, Device? device = null) where T : unmanaged
    {
        var dtype = DTypes.Of<T>();
        var dev = device ?? Device.Cpu;
        fixed (T* p = data)
        fixed (long* s = shape)
        {
            int rc = NativeMethods.rn_tensor_from_data(p, (long)data.Length * sizeof(T), s, shape.Length, (int)dtype, (int)dev.Type, dev.Index, out var r);
            return From(rc, r);
        }
    }

    /// <summary>Copies <paramref name="data"/> into a new tensor of the given shape.</summary>
    public static Tensor FromArray<T>(T[] data, params long[] shape) where T : unmanaged => FromSpan<T>(data, shape);

    /// <summary>A 1-D tensor holding <paramref name="data"/>.</summary>
    public static Tensor FromArray<T>(T[] data) where T : unmanaged => FromSpan<T>(data, new long[] { data.Length });

    private static unsafe Tensor New(int kind, ReadOnlySpan<long> shape, DType dtype, Device? device)
    {
        var dev = device ?? Device.Cpu;
        fixed (long* s = shape)
        {
            int rc = NativeMethods.rn_tensor_new(kind, s, shape.Length, (int)dtype, (int)dev.Type, dev.Index, out var r);
            return From(rc, r);
        }
    }

    /// <summary>An uninitialised tensor.</summary>
    public static Tensor Empty(long[] shape, DType dtype = DType.Float32, Device? device = null) => New(0, shape, dtype, device);
    /// <summary>A tensor of zeros.</summary>
    public static Tensor Zeros(long[] shape, DType dtype = DType.Float32, Device? device = null) => New(1, shape, dtype, device);
    /// <summary>A tensor of ones.</summary>
    public static Tensor Ones(long[] shape, DType dtype = DType.Float32, Device? device = null) => New(2, shape, dtype, device);
    /// <summary>Standard normal samples (libtorch's generator, see <see cref="TorchRuntime.ManualSeed"/>).</summary>
    public static Tensor Randn(long[] shape, DType dtype = DType.Float32, Device? device = null) => New(3, shape, dtype, device);

    /// <summary>Uniform random integers in [low, high) (int64).</summary>
    public static unsafe Tensor RandInt(long low, long high, long[] shape, Device? device = null)
    {
        var dev = device ?? Device.Cpu;
        fixed (long* s = shape)
            return From(NativeMethods.rn_tensor_randint(low, high, s, shape.Length, (int)dev.Type, dev.Index, out var r), r);
    }

    // ------------------------------------------------------------------ properties

    private (int ndim, DType dtype, Device device, bool requiresGrad) Info()
    {
        TorchException.ThrowIfFailed(NativeMethods.rn_tensor_info(H, out var ndim, out var dtype, out var dt, out var di, out var rg));
        return (ndim, (DType)dtype, new Device((DeviceType)dt, di), rg != 0);
    }

    /// <summary>The number of dimensions.</summary>
    public int Dim => Info().ndim;

    /// <summary>The element type.</summary>
    public DType DType => Info().dtype;

    /// <summary>The device holding the data.</summary>
    public Device Device => Info().device;

    /// <summary>The sizes of each dimension.</summary>
    public unsafe long[] Shape
    {
        get
        {
            var shape = new long[Info().ndim];
            fixed (long* s = shape) TorchException.ThrowIfFailed(NativeMethods.rn_tensor_shape(H, s, shape.Length));
            return shape;
        }
    }

    /// <summary>The number of elements.</summary>
    public long NumElements
    {
        get
        {
            long n = 1;
            foreach (var d in Shape) n *= d;
            return n;
        }
    }

    /// <summary>The shape as text, e.g. <c>[8, 3, 224, 224]</c>.</summary>
    public string ShapeString => "[" + string.Join(", ", Shape) + "]";

    /// <summary>Whether autograd records operations on this tensor (a leaf with this flag gets a <see cref="Grad"/>).</summary>
    public bool RequiresGrad
    {
        get => Info().requiresGrad;
        set => TorchException.ThrowIfFailed(NativeMethods.rn_tensor_set_requires_grad(H, value ? 1 : 0));
    }

    /// <summary>Whether the data is dense in the given layout.</summary>
    public bool IsContiguous(MemoryFormat format = MemoryFormat.Contiguous)
    {
        TorchException.ThrowIfFailed(NativeMethods.rn_tensor_is_contiguous(H, (int)format, out var r));
        return r != 0;
    }

    /// <summary>Whether this tensor was disposed.</summary>
    public bool IsDisposed => Handle.IsClosed;

    /// <inheritdoc/>
    public override string ToString() => IsDisposed ? "Tensor(disposed)" : $"Tensor({ShapeString}, {DType}, {Device})";

    // ------------------------------------------------------------------ data out

    /// <summary>Copies all elements (row-major) into a new array; <typeparamref name="T"/> must match <see cref="DType"/>.</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        CheckElementType<T>();
        var result = new T[NumElements];
        CopyTo<T>(result);
        return result;
    }

    /// <summary>Copies all elements (row-major) into <paramref name="destination"/>, whose length must equal the element count.</summary>
    public unsafe void CopyTo<T>(Span<T> destination) where T : unmanaged
    {
        CheckElementType<T>();
        fixed (T* p = destination)
            TorchException.ThrowIfFailed(NativeMethods.rn_tensor_copy_to(H, p, (long)destination.Length * sizeof(T)));
    }

    /// <summary>Copies the raw bytes of all elements (row-major, native endianness) into <paramref name="destination"/>.</summary>
    public unsafe void CopyBytesTo(Span<byte> destination)
    {
        fixed (byte* p = destination)
            TorchException.ThrowIfFailed(NativeMethods.rn_tensor_copy_to(H, p, destination.Length));
    }

    /// <summary>A new CPU tensor of <paramref name="dtype"/> holding the raw bytes <paramref name="data"/>.</summary>
    public static unsafe Tensor FromBytes(ReadOnlySpan<byte> data, ReadOnlySpan<long> shape, DType dtype, Device? device = null)
    {
        var dev = device ?? Device.Cpu;
        fixed (byte* p = data)
        fixed (long* s = shape)
            return From(NativeMethods.rn_tensor_from_data(p, data.Length, s, shape.Length, (int)dtype, (int)dev.Type, dev.Index, out var r), r);
    }

    private void CheckElementType<T>() where T : unmanaged
    {
        var dtype = DType;
        if (DTypes.Of<T>() != dtype)
            throw new InvalidOperationException($"tensor holds {dtype}, cannot read it as {typeof(T).Name}");
    }

    /// <summary>The value of a one-element tensor as a double (synchronises with the device).</summary>
    public double Item()
    {
        TorchException.ThrowIfFailed(NativeMethods.rn_tensor_item_double(H, out var v));
        return v;
    }

    /// <summary>The value of a one-element integer tensor.</summary>
    public long ItemInt64()
    {
        TorchException.ThrowIfFailed(NativeMethods.rn_tensor_item_int64(H, out var v));
        return v;
    }

    // ------------------------------------------------------------------ conversion

    /// <summary>This tensor on <paramref name="device"/> (the same tensor's data when it is already there).</summary>
    public Tensor To(Device device, bool nonBlocking = false) =>
        From(NativeMethods.rn_tensor_to(H, (int)DType, (int)device.Type, device.Index, nonBlocking ? 1 : 0, out var r), r);

    /// <summary>This tensor converted to <paramref name="dtype"/>.</summary>
    public Tensor To(DType dtype)
    {
        var d = Device;
        return From(NativeMethods.rn_tensor_to(H, (int)dtype, (int)d.Type, d.Index, 0, out var r), r);
    }

    /// <summary>This tensor with dense strides in <paramref name="format"/> (channels-last for 4-D).</summary>
    public Tensor Contiguous(MemoryFormat format = MemoryFormat.Contiguous) =>
        From(NativeMethods.rn_tensor_contiguous(H, (int)format, out var r), r);

    /// <summary>A copy with its own storage (recorded by autograd).</summary>
    public Tensor Clone() => From(NativeMethods.rn_tensor_clone(H, out var r), r);

    /// <summary>The same data, cut from the autograd graph.</summary>
    public Tensor Detach() => From(NativeMethods.rn_tensor_detach(H, out var r), r);

    // ------------------------------------------------------------------ autograd

    /// <summary>The accumulated gradient of this leaf, or null when none was computed (a new reference each call).</summary>
    public Tensor? Grad => FromOptional(NativeMethods.rn_tensor_grad(H, out var r), r);

    /// <summary>Back-propagates from this scalar (or with an explicit output gradient).</summary>
    public void Backward(Tensor? gradOutput = null) =>
        TorchException.ThrowIfFailed(NativeMethods.rn_tensor_backward(H, HandleOrNull(gradOutput)));

    // ------------------------------------------------------------------ in-place initialisers (no autograd)

    /// <summary>Fills with <paramref name="value"/>.</summary>
    public Tensor FillInPlace(double value) { TorchException.ThrowIfFailed(NativeMethods.rn_tensor_fill_(H, value)); return this; }
    /// <summary>Fills with normal samples.</summary>
    public Tensor NormalInPlace(double mean, double std) { TorchException.ThrowIfFailed(NativeMethods.rn_tensor_normal_(H, mean, std)); return this; }
    /// <summary>Fills with uniform samples in [from, to).</summary>
    public Tensor UniformInPlace(double from, double to) { TorchException.ThrowIfFailed(NativeMethods.rn_tensor_uniform_(H, from, to)); return this; }
    /// <summary>Copies <paramref name="source"/> (same shape, any device or dtype) into this tensor.</summary>
    public Tensor CopyInPlace(Tensor source) { TorchException.ThrowIfFailed(NativeMethods.rn_tensor_copy_(H, source.H)); return this; }

    /// <summary>Makes this tensor use <paramref name="source"/>'s data (as <c>param.data = source</c> in PyTorch): identity,
    /// autograd flag and any references held elsewhere stay valid.</summary>
    public void SetData(Tensor source) => TorchException.ThrowIfFailed(NativeMethods.rn_tensor_set_data(H, source.H));

    // ------------------------------------------------------------------ ownership

    /// <summary>Removes this tensor from its scope and hands it to the enclosing scope (or to the caller when there is none).</summary>
    public Tensor MoveToOuterScope()
    {
        var owner = Owner;
        Owner = null;
        owner?.Parent?.Adopt(this);
        return this;
    }

    /// <summary>Removes this tensor from every scope: the caller must dispose it.</summary>
    public Tensor DetachFromScope()
    {
        Owner = null;
        return this;
    }

    /// <summary>Releases the native reference now when a <see cref="TensorScope"/> owns this tensor (an intermediate
    /// result), and leaves it alone otherwise (a parameter, or a tensor its creator owns).</summary>
    internal void ReleaseIfTemporary()
    {
        if (Owner != null) Dispose();
    }

    /// <summary>Releases the native reference now (idempotent).</summary>
    public void Dispose()
    {
        Owner = null;
        Handle.Dispose();
    }
}

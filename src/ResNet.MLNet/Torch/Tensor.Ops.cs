using ResNet.MLNet.Native;

namespace ResNet.MLNet.Torch;

public sealed partial class Tensor
{
    private static Tensor Binary(int op, Tensor a, Tensor b, double alpha = 1) =>
        From(NativeMethods.rn_binary(op, a.H, b.H, alpha, out var r), r);

    private Tensor BinaryInPlace(int op, Tensor other, double alpha = 1)
    {
        TorchException.ThrowIfFailed(NativeMethods.rn_binary_(op, H, other.H, alpha));
        return this;
    }

    private Tensor ScalarOp(int op, double s) => From(NativeMethods.rn_scalar_op(op, H, s, out var r), r);

    private Tensor ScalarOpInPlace(int op, double s)
    {
        TorchException.ThrowIfFailed(NativeMethods.rn_scalar_op_(op, H, s));
        return this;
    }

    private Tensor Unary(int op) => From(NativeMethods.rn_unary(op, H, out var r), r);

    private unsafe Tensor Reduce(int op, long[]? dims, bool keepDim)
    {
        dims ??= Array.Empty<long>();
        fixed (long* d = dims)
            return From(NativeMethods.rn_reduce(op, H, d, dims.Length, keepDim ? 1 : 0, out var r), r);
    }

    /// <summary><c>this + alpha * other</c> (broadcasting).</summary>
    public Tensor Add(Tensor other, double alpha = 1) => Binary(0, this, other, alpha);
    /// <summary><c>this - alpha * other</c>.</summary>
    public Tensor Sub(Tensor other, double alpha = 1) => Binary(1, this, other, alpha);
    /// <summary>Element-wise product.</summary>
    public Tensor Mul(Tensor other) => Binary(2, this, other);
    /// <summary>Element-wise quotient.</summary>
    public Tensor Div(Tensor other) => Binary(3, this, other);
    /// <summary>Adds a scalar.</summary>
    public Tensor Add(double s) => ScalarOp(0, s);
    /// <summary>Multiplies by a scalar.</summary>
    public Tensor Mul(double s) => ScalarOp(2, s);
    /// <summary>Divides by a scalar.</summary>
    public Tensor Div(double s) => ScalarOp(3, s);
    /// <summary>Raises to a scalar power.</summary>
    public Tensor Pow(double s) => ScalarOp(4, s);

    /// <summary>Element-wise sum.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => a.Add(b);
    /// <summary>Element-wise difference.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => a.Sub(b);
    /// <summary>Element-wise product.</summary>
    public static Tensor operator *(Tensor a, Tensor b) => a.Mul(b);
    /// <summary>Element-wise quotient.</summary>
    public static Tensor operator /(Tensor a, Tensor b) => a.Div(b);
    /// <summary>Adds a scalar.</summary>
    public static Tensor operator +(Tensor a, double s) => a.ScalarOp(0, s);
    /// <summary>Subtracts a scalar.</summary>
    public static Tensor operator -(Tensor a, double s) => a.ScalarOp(1, s);
    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor operator *(Tensor a, double s) => a.ScalarOp(2, s);
    /// <summary>Divides by a scalar.</summary>
    public static Tensor operator /(Tensor a, double s) => a.ScalarOp(3, s);
    /// <summary><c>s - a</c>.</summary>
    public static Tensor operator -(double s, Tensor a) => a.ScalarOp(5, s);
    /// <summary>Negation.</summary>
    public static Tensor operator -(Tensor a) => a.Unary(0);

    /// <summary><c>this += alpha * other</c>.</summary>
    public Tensor AddInPlace(Tensor other, double alpha = 1) => BinaryInPlace(0, other, alpha);
    /// <summary><c>this -= alpha * other</c>.</summary>
    public Tensor SubInPlace(Tensor other, double alpha = 1) => BinaryInPlace(1, other, alpha);
    /// <summary><c>this += s</c>.</summary>
    public Tensor AddInPlace(double s) => ScalarOpInPlace(0, s);

    /// <summary>Natural logarithm.</summary>
    public Tensor Log() => Unary(2);
    /// <summary>Square root.</summary>
    public Tensor Sqrt() => Unary(3);

    /// <summary>max(x, 0).</summary>
    public Tensor Relu() => From(NativeMethods.rn_relu(H, out var r), r);
    /// <summary>max(x, 0) in place.</summary>
    public Tensor ReluInPlace() { TorchException.ThrowIfFailed(NativeMethods.rn_relu_(H)); return this; }
    /// <summary>Clamps to [min, max].</summary>
    public Tensor Clamp(double min, double max) => From(NativeMethods.rn_clamp(H, min, max, out var r), r);

    /// <summary>Sum of all elements, or over <paramref name="dims"/>.</summary>
    public Tensor Sum(long[]? dims = null, bool keepDim = false) => Reduce(0, dims, keepDim);
    /// <summary>Mean of all elements, or over <paramref name="dims"/>.</summary>
    public Tensor Mean(long[]? dims = null, bool keepDim = false) => Reduce(1, dims, keepDim);
    /// <summary>Maximum of all elements, or along one dimension.</summary>
    public Tensor Max(long? dim = null, bool keepDim = false) => Reduce(2, dim is { } d ? new[] { d } : null, keepDim);
    /// <summary>Minimum of all elements, or along one dimension.</summary>
    public Tensor Min(long? dim = null, bool keepDim = false) => Reduce(3, dim is { } d ? new[] { d } : null, keepDim);
    /// <summary>Index of the maximum along <paramref name="dim"/> (int64).</summary>
    public Tensor Argmax(long dim, bool keepDim = false) => From(NativeMethods.rn_argmax(H, dim, keepDim ? 1 : 0, out var r), r);

    /// <summary>Element-wise equality (bool).</summary>
    public Tensor Eq(Tensor other) => From(NativeMethods.rn_eq(H, other.H, out var r), r);

    /// <summary>Softmax along <paramref name="dim"/>.</summary>
    public Tensor Softmax(long dim) => From(NativeMethods.rn_softmax(H, dim, out var r), r);
    /// <summary>Log-softmax along <paramref name="dim"/>.</summary>
    public Tensor LogSoftmax(long dim) => From(NativeMethods.rn_log_softmax(H, dim, out var r), r);

    /// <summary>The same elements in a new shape (one entry may be -1).</summary>
    public unsafe Tensor Reshape(params long[] shape)
    {
        fixed (long* s = shape) return From(NativeMethods.rn_reshape(H, s, shape.Length, out var r), r);
    }

    /// <summary>Flattens dimensions <paramref name="start"/>..<paramref name="end"/> into one.</summary>
    public Tensor Flatten(long start = 0, long end = -1) => From(NativeMethods.rn_flatten(H, start, end, out var r), r);

    /// <summary><c>x[..., start:end:step, ...]</c> along <paramref name="dim"/> (a view).</summary>
    public Tensor Slice(long dim, long start, long end, long step = 1) =>
        From(NativeMethods.rn_slice(H, dim, start, end, step, out var r), r);

    /// <summary>Selects entries along <paramref name="dim"/> at the int64 <paramref name="index"/>.</summary>
    public Tensor IndexSelect(long dim, Tensor index) => From(NativeMethods.rn_index_select(H, dim, index.H, out var r), r);

    /// <summary>Reverses the order along <paramref name="dims"/>.</summary>
    public unsafe Tensor Flip(params long[] dims)
    {
        fixed (long* d = dims) return From(NativeMethods.rn_flip(H, d, dims.Length, out var r), r);
    }

    /// <summary>Constant padding; <paramref name="pads"/> lists (before, after) pairs from the last dimension backwards, as <c>F.pad</c>.</summary>
    public unsafe Tensor Pad(long[] pads, double value = 0)
    {
        fixed (long* p = pads) return From(NativeMethods.rn_constant_pad(H, p, pads.Length, value, out var r), r);
    }

    /// <summary>Picks <paramref name="a"/> where <paramref name="condition"/> holds, else <paramref name="b"/>.</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b) => From(NativeMethods.rn_where(condition.H, a.H, b.H, out var r), r);

    /// <summary>Concatenates along <paramref name="dim"/>.</summary>
    public static unsafe Tensor Cat(IReadOnlyList<Tensor> tensors, long dim = 0)
    {
        using var list = new HandleList(tensors);
        fixed (IntPtr* p = list.Pointers) return From(NativeMethods.rn_cat(p, tensors.Count, dim, out var r), r);
    }
}

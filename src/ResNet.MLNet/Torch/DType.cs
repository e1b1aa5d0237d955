namespace ResNet.MLNet.Torch;

/// <summary>Element types of tensors; the values are libtorch's <c>c10::ScalarType</c> codes.</summary>
public enum DType
{
    /// <summary>Unsigned 8-bit integer (images).</summary>
    UInt8 = 0,
    /// <summary>Signed 8-bit integer.</summary>
    Int8 = 1,
    /// <summary>Signed 16-bit integer.</summary>
    Int16 = 2,
    /// <summary>Signed 32-bit integer.</summary>
    Int32 = 3,
    /// <summary>Signed 64-bit integer (class indices).</summary>
    Int64 = 4,
    /// <summary>IEEE half precision.</summary>
    Float16 = 5,
    /// <summary>IEEE single precision (the default for weights and activations).</summary>
    Float32 = 6,
    /// <summary>IEEE double precision.</summary>
    Float64 = 7,
    /// <summary>Boolean.</summary>
    Bool = 11,
    /// <summary>Brain floating point.</summary>
    BFloat16 = 15,
}

/// <summary>Helpers relating <see cref="DType"/> to .NET types.</summary>
public static class DTypes
{
    /// <summary>The size of one element in bytes.</summary>
    public static int ElementSize(this DType dtype) => dtype switch
    {
        DType.UInt8 or DType.Int8 or DType.Bool => 1,
        DType.Int16 or DType.Float16 or DType.BFloat16 => 2,
        DType.Int32 or DType.Float32 => 4,
        DType.Int64 or DType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>The dtype that stores the .NET type <typeparamref name="T"/>.</summary>
    public static DType Of<T>() where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return DType.Float32;
        if (typeof(T) == typeof(long)) return DType.Int64;
        if (typeof(T) == typeof(byte)) return DType.UInt8;
        if (typeof(T) == typeof(int)) return DType.Int32;
        if (typeof(T) == typeof(double)) return DType.Float64;
        if (typeof(T) == typeof(bool)) return DType.Bool;
        if (typeof(T) == typeof(sbyte)) return DType.Int8;
        if (typeof(T) == typeof(short)) return DType.Int16;
        if (typeof(T) == typeof(Half)) return DType.Float16;
        throw new NotSupportedException($"no tensor dtype for {typeof(T).Name}");
    }
}

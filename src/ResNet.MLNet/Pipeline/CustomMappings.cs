using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using Microsoft.ML.Transforms.Image;
using ResNet.MLNet.Data;
using ResNet.MLNet.Data.Images;

namespace ResNet.MLNet.Pipeline;

/// <summary>
/// Names of the intermediate columns the classifier's saved chain uses. They are dropped at the end of the chain;
/// they are fixed because ML.NET rebuilds a saved custom mapping from its classes, whose column names are attributes.
/// </summary>
public static class ChainColumns
{
    /// <summary>Encoded image bytes copied from the user's column (or read from the file its path names).</summary>
    public const string ImageBytes = "ResNet.ImageBytes";
    /// <summary>The image's path, copied from the user's column so errors can name the file.</summary>
    public const string ImagePath = "ResNet.ImagePath";
    /// <summary>The decoded (then resized) image.</summary>
    public const string Image = "ResNet.Image";
    /// <summary>Planar pixels in [0, 1], the network's input.</summary>
    public const string Pixels = "ResNet.Pixels";
    /// <summary>The ONNX graph's arg-max output (int64, one slot).</summary>
    public const string PredictedIndex = "ResNet.PredictedIndex";
    /// <summary>The predicted class index as a scalar.</summary>
    public const string PredictedClass = "ResNet.PredictedClass";
}

/// <summary>Decodes encoded image bytes (JPEG, PNG, BMP, GIF, WebP) into an ML.NET <see cref="MLImage"/>, the step
/// ML.NET's <c>LoadImages</c> lacks for byte columns. Part of saved models; its assembly is found by contract name.</summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class DecodeImageBytesMapping : CustomMappingFactory<DecodeImageBytesMapping.Input, DecodeImageBytesMapping.Output>
{
    /// <summary>The contract name stored in saved models.</summary>
    public const string ContractName = "ResNet.MLNet.DecodeImageBytes";

    /// <summary>The input row.</summary>
    public sealed class Input
    {
        /// <summary>Encoded bytes.</summary>
        [ColumnName(ChainColumns.ImageBytes)]
        public byte[] Bytes { get; set; } = Array.Empty<byte>();
    }

    /// <summary>The output row. ML.NET's image type needs a size: the declared 1×1 is a placeholder, since the
    /// resize that follows reads the decoded image's own size.</summary>
    public sealed class Output
    {
        /// <summary>The decoded image.</summary>
        [ColumnName(ChainColumns.Image), ImageType(1, 1)]
        public MLImage? Image { get; set; }
    }

    /// <inheritdoc/>
    public override Action<Input, Output> GetMapping() => (input, output) => output.Image = Decode(input.Bytes, "the image bytes");

    /// <summary>Decodes <paramref name="bytes"/> after <see cref="ImageHeader.Check"/> (size, format, pixel limit, so
    /// nothing over <see cref="InputLimits.Default"/> is allocated); every failure is an <see cref="ImageDecodeException"/>
    /// naming <paramref name="source"/>.</summary>
    internal static MLImage Decode(byte[] bytes, string source)
    {
        ImageHeader.Check(bytes, source);
        try { return MLImage.CreateFromStream(new MemoryStream(bytes, writable: false)); }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException)
        {
            throw new ImageDecodeException(source, $"not a decodable image ({bytes.Length:N0} bytes: {e.Message})", e);
        }
    }
}

/// <summary>Decodes an image file's bytes (ML.NET's <c>LoadRawImageBytes</c> read them) into an ML.NET
/// <see cref="MLImage"/> after the <see cref="InputLimits"/> checks, naming the file in every error. Part of saved
/// models; its assembly is found by contract name.</summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class DecodeImageFileMapping : CustomMappingFactory<DecodeImageFileMapping.Input, DecodeImageBytesMapping.Output>
{
    /// <summary>The contract name stored in saved models.</summary>
    public const string ContractName = "ResNet.MLNet.DecodeImageFile";

    /// <summary>The input row.</summary>
    public sealed class Input
    {
        /// <summary>The file's bytes.</summary>
        [ColumnName(ChainColumns.ImageBytes)]
        public byte[] Bytes { get; set; } = Array.Empty<byte>();
        /// <summary>The file's path, as the user's column holds it.</summary>
        [ColumnName(ChainColumns.ImagePath)]
        public string Path { get; set; } = "";
    }

    /// <inheritdoc/>
    public override Action<Input, DecodeImageBytesMapping.Output> GetMapping() => (input, output) =>
        output.Image = DecodeImageBytesMapping.Decode(input.Bytes, input.Path);
}

/// <summary>Turns the ONNX graph's one-slot arg-max vector into a scalar class index for <c>MapValue</c>.
/// Part of saved models; its assembly is found by contract name.</summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class PredictedIndexMapping : CustomMappingFactory<PredictedIndexMapping.Input, PredictedIndexMapping.Output>
{
    /// <summary>The contract name stored in saved models.</summary>
    public const string ContractName = "ResNet.MLNet.PredictedIndex";

    /// <summary>The input row.</summary>
    public sealed class Input
    {
        /// <summary>The arg-max of the logits.</summary>
        [ColumnName(ChainColumns.PredictedIndex), VectorType(1)]
        public long[] Index { get; set; } = Array.Empty<long>();
    }

    /// <summary>The output row.</summary>
    public sealed class Output
    {
        /// <summary>The 0-based class index.</summary>
        [ColumnName(ChainColumns.PredictedClass)]
        public uint Class { get; set; }
    }

    /// <inheritdoc/>
    public override Action<Input, Output> GetMapping() => (input, output) => output.Class = (uint)input.Index[0];
}

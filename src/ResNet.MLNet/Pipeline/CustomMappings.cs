using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using Microsoft.ML.Transforms.Image;

namespace ResNet.MLNet.Pipeline;

/// <summary>
/// Names of the intermediate columns the classifier's saved chain uses. They are dropped at the end of the chain;
/// they are fixed because ML.NET rebuilds a saved custom mapping from its classes, whose column names are attributes.
/// </summary>
public static class ChainColumns
{
    /// <summary>Encoded image bytes copied from the user's column.</summary>
    public const string ImageBytes = "ResNet.ImageBytes";
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
    public override Action<Input, Output> GetMapping() => (input, output) =>
    {
        if (input.Bytes.Length == 0) throw new InvalidDataException("the image is empty (0 bytes)");
        try { output.Image = MLImage.CreateFromStream(new MemoryStream(input.Bytes, writable: false)); }
        catch (ArgumentException e) { throw new InvalidDataException($"the image bytes could not be decoded ({input.Bytes.Length} bytes, not a supported image: {e.Message})", e); }
    };
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

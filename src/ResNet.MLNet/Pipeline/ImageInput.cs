using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using ResNet.MLNet.Pipeline;

namespace ResNet.MLNet;

/// <summary>What the classifier's image column holds.</summary>
public enum ImageInputKind
{
    /// <summary>File paths (text): read by ML.NET's <c>LoadRawImageBytes</c>, decoded after the <see cref="InputLimits"/> checks.</summary>
    Path,
    /// <summary>Encoded image bytes (a Byte vector, e.g. from <c>LoadRawImageBytes</c>).</summary>
    EncodedBytes,
    /// <summary>ML.NET images (<c>LoadImages</c>).</summary>
    Image,
    /// <summary>Planar float pixels in [0, 1] of the network's input shape.</summary>
    Pixels,
}

/// <summary>
/// The stock ML.NET steps that turn the image column into the network's input (planar pixels in [0, 1]): the same
/// steps run while training and inside the saved model, so training and scoring see the same pixels.
/// </summary>
internal static class ImageInput
{
    /// <summary>The kind of the image column <paramref name="o"/> names in <paramref name="schema"/>; throws naming the column when it is
    /// missing or holds something else.</summary>
    public static ImageInputKind Detect(DataViewSchema schema, ResNetImageOptions o)
    {
        var column = schema.GetColumnOrNull(o.ImageColumnName)
            ?? throw ColumnErrors.Missing("image", o.ImageColumnName, nameof(o.ImageColumnName), schema.Select(c => c.Name));
        var type = column.Type;
        if (type is TextDataViewType) return ImageInputKind.Path;
        if (type is ImageDataViewType) return ImageInputKind.Image;
        if (type is VectorDataViewType v && v.ItemType == NumberDataViewType.Byte) return ImageInputKind.EncodedBytes;
        if (type is VectorDataViewType f && f.ItemType == NumberDataViewType.Single)
        {
            if (f.Size != o.ValuesPerImage)
                throw new ArgumentException($"the image column '{o.ImageColumnName}' holds {type} ({(f.Size == 0 ? "variable length" : f.Size + " values")}) but the network " +
                                            $"expects {o.Channels}x{o.ImageSize}x{o.ImageSize} = {o.ValuesPerImage} pixels: set Channels and ImageSize to the data's shape");
            return ImageInputKind.Pixels;
        }
        throw new ArgumentException($"the image column '{o.ImageColumnName}' holds {type}; it must hold paths (String), encoded bytes (Vector<Byte>), " +
                                    $"images (LoadImages) or float pixels (Vector<Single> of {o.ValuesPerImage})");
    }

    /// <summary>The column the network reads: the user's pixel column, or the pixels the preprocessing produces.</summary>
    public static string PixelColumn(ImageInputKind kind, ResNetImageOptions o) => kind == ImageInputKind.Pixels ? o.ImageColumnName : ChainColumns.Pixels;

    /// <summary>The intermediate columns the preprocessing adds (dropped at the end of the saved chain).</summary>
    public static IEnumerable<string> IntermediateColumns(ImageInputKind kind) => kind switch
    {
        ImageInputKind.Pixels => Array.Empty<string>(),
        ImageInputKind.EncodedBytes => new[] { ChainColumns.ImageBytes, ChainColumns.Image, ChainColumns.Pixels },
        ImageInputKind.Path => new[] { ChainColumns.ImagePath, ChainColumns.ImageBytes, ChainColumns.Image, ChainColumns.Pixels },
        _ => new[] { ChainColumns.Image, ChainColumns.Pixels },
    };

    /// <summary>The preprocessing steps for <paramref name="kind"/>, or null when the column already holds pixels.</summary>
    public static IEstimator<ITransformer>? Preprocessing(TransformsCatalog transforms, ImageInputKind kind, ResNetImageOptions o)
    {
        if (kind == ImageInputKind.Pixels) return null;
        IEstimator<ITransformer> steps = kind switch
        {
            // Files are read as bytes and decoded by our mapping, which checks InputLimits before ML.NET's decoder allocates.
            ImageInputKind.Path => transforms.LoadRawImageBytes(ChainColumns.ImageBytes, o.ImageFolder, o.ImageColumnName)
                .Append(transforms.CopyColumns(ChainColumns.ImagePath, o.ImageColumnName))
                .Append(transforms.CustomMapping(new DecodeImageFileMapping().GetMapping(), DecodeImageFileMapping.ContractName)),
            ImageInputKind.EncodedBytes => transforms.CopyColumns(ChainColumns.ImageBytes, o.ImageColumnName)
                .Append(transforms.CustomMapping(new DecodeImageBytesMapping().GetMapping(), DecodeImageBytesMapping.ContractName)),
            _ => transforms.CopyColumns(ChainColumns.Image, o.ImageColumnName),
        };
        IEstimator<ITransformer> resized = steps.Append(transforms.ResizeImages(ChainColumns.Image, o.ImageSize, o.ImageSize, ChainColumns.Image, o.Resizing));
        if (o.Channels == 1) resized = resized.Append(transforms.ConvertToGrayscale(ChainColumns.Image));
        return resized.Append(transforms.ExtractPixels(ChainColumns.Pixels, ChainColumns.Image,
            o.Channels == 1 ? ImagePixelExtractingEstimator.ColorBits.Red : ImagePixelExtractingEstimator.ColorBits.Rgb,
            ImagePixelExtractingEstimator.ColorsOrder.ARGB, interleavePixelColors: false, scaleImage: 1f / 255f));
    }
}

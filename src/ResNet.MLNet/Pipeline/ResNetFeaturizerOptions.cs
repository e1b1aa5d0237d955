using Microsoft.ML.Transforms.Image;
using ResNet.MLNet.Models;

namespace ResNet.MLNet;

/// <summary>Settings of <see cref="ResNetCatalog.ResNetFeaturizer(Microsoft.ML.TransformsCatalog, ResNetFeaturizerOptions)"/>:
/// which network (pretrained weights or a trained classifier), the image column, and the output column.</summary>
public sealed record ResNetFeaturizerOptions
{
    /// <summary>The input image column, of any kind <see cref="ResNetClassifierOptions.ImageColumnName"/> accepts (paths,
    /// encoded bytes, ML.NET images, planar pixels in [0, 1]). Default "ImagePath".</summary>
    public string ImageColumnName { get; init; } = "ImagePath";
    /// <summary>The output column: the penultimate-layer (globally pooled) embedding, a known-size float vector of
    /// <see cref="ResNetSpec.FeatureWidth"/> values (512 for ResNet-18/34, 2048 for ResNet-50, 64 for ResNet-20).
    /// Default "Features", the column ML.NET's trainers read.</summary>
    public string OutputColumnName { get; init; } = "Features";

    /// <summary>A trained classifier whose network (without its head) computes the features; its architecture,
    /// image size, channels, resizing and normalisation are used, and the settings below that describe them are
    /// ignored. Default null: use <see cref="Pretrained"/>.</summary>
    public ResNetClassifierTransformer? Classifier { get; init; }
    /// <summary>Pretrained weights, as <see cref="ResNetClassifierOptions.Pretrained"/>: a safetensors or PyTorch file
    /// (torchvision, timm or this library's), or an http(s) URL pinned by <see cref="PretrainedSha256"/>. Required
    /// unless <see cref="Classifier"/> is set. Default null.</summary>
    public string? Pretrained { get; init; }
    /// <summary>The SHA-256 of the <see cref="Pretrained"/> file: required for a URL, checked for a file when given.</summary>
    public string? PretrainedSha256 { get; init; }
    /// <summary>The network the <see cref="Pretrained"/> weights belong to. Default <see cref="ResNetArchitecture.ResNet18"/>.</summary>
    public ResNetArchitecture Architecture { get; init; } = ResNetArchitecture.ResNet18;
    /// <summary>Side of the square network input in pixels. Default 224.</summary>
    public int ImageSize { get; init; } = 224;
    /// <summary>Image channels: 3 (RGB) or 1 (gray; RGB weights' first convolution is summed over colours). Default 3.</summary>
    public int Channels { get; init; } = 3;
    /// <summary>How images are fitted to <see cref="ImageSize"/>. Default <see cref="ImageResizingEstimator.ResizingKind.IsoCrop"/>.</summary>
    public ImageResizingEstimator.ResizingKind Resizing { get; init; } = ImageResizingEstimator.ResizingKind.IsoCrop;
    /// <summary>Folder that relative image paths are resolved against. Default null.</summary>
    public string? ImageFolder { get; init; }
    /// <summary>Per-channel means of [0, 1] pixels. Default null: the ones recorded in the weights' metadata, else
    /// ImageNet's (what torchvision and timm weights expect).</summary>
    public float[]? Mean { get; init; }
    /// <summary>Per-channel standard deviations. Default null: as <see cref="Mean"/>.</summary>
    public float[]? Std { get; init; }
    /// <summary>ONNX Runtime intra-op threads. Default null: all cores.</summary>
    public int? ScoringThreads { get; init; }

    /// <summary>Checks the settings; throws naming the offending one.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ImageColumnName)) throw new ArgumentException("ImageColumnName must name a column");
        if (string.IsNullOrWhiteSpace(OutputColumnName)) throw new ArgumentException("OutputColumnName must name a column");
        if (Classifier != null && Pretrained != null)
            throw new ArgumentException("set Classifier or Pretrained, not both: the features come from one network");
        if (Classifier == null && Pretrained == null)
            throw new ArgumentException("ResNetFeaturizer needs a network: set Pretrained (weights file or URL) or Classifier (a trained ResNetClassifierTransformer)");
        if (Pretrained == null && PretrainedSha256 != null) throw new ArgumentException("PretrainedSha256 is set but Pretrained names no weights");
        ImageOptions(Mean, Std).Validate();
    }

    /// <summary>The image settings in the classifier's terms (one preprocessing for both), with the normalisation given.</summary>
    internal ResNetClassifierOptions ImageOptions(float[]? mean, float[]? std) => Classifier?.Options is { } trained
        ? trained with { ImageColumnName = ImageColumnName, ImageFolder = ImageFolder ?? trained.ImageFolder, ScoringThreads = ScoringThreads }
        : new ResNetClassifierOptions
        {
            ImageColumnName = ImageColumnName, Architecture = Architecture, ImageSize = ImageSize, Channels = Channels, Resizing = Resizing,
            ImageFolder = ImageFolder, Mean = mean, Std = std, ScoringThreads = ScoringThreads,
        };
}

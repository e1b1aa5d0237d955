using System.Text.Json.Serialization;
using Microsoft.ML.Transforms.Image;
using ResNet.MLNet.Data;
using ResNet.MLNet.Data.Images;
using ResNet.MLNet.Models;

namespace ResNet.MLNet;

/// <summary>
/// What the classifier and the featurizer share: the network, its weights and how an image column becomes its input.
/// Declared once here; <see cref="ResNetClassifierOptions"/> and <see cref="ResNetFeaturizerOptions"/> derive from it,
/// so both are written with the same flat property names. The size, channel, resizing and normalisation defaults and
/// checks are <see cref="ImagePreprocessing"/>'s (see <see cref="Preprocessing"/>).
/// </summary>
public abstract record ResNetImageOptions
{
    private ImagePreprocessing _pixels = new();

    /// <summary>The input image column: file paths (text), encoded image bytes (a Byte vector, as <c>LoadRawImageBytes</c>
    /// gives), an ML.NET image (<c>LoadImages</c>), or planar float pixels in [0, 1] of shape
    /// <see cref="Channels"/>×<see cref="ImageSize"/>×<see cref="ImageSize"/> (IDX, CIFAR, <c>ExtractPixels</c> with
    /// scale 1/255). Default <see cref="ResNetColumns.ImagePath"/>.</summary>
    public string ImageColumnName { get; init; } = ResNetColumns.ImagePath;

    /// <summary>The network. Default <see cref="ResNetArchitecture.ResNet18"/>.</summary>
    public ResNetArchitecture Architecture { get; init; } = ResNetArchitecture.ResNet18;

    /// <summary>Side of the square model input in pixels. Default <see cref="ImagePreprocessing.Width"/>'s (224).</summary>
    public int ImageSize
    {
        get => _pixels.Width;
        init => _pixels = _pixels with { Width = value, Height = value };
    }

    /// <summary>Image channels: 3 (RGB) or 1 (gray; RGB weights' first convolution is summed over colours). Default
    /// <see cref="ImagePreprocessing.Channels"/>'s (3).</summary>
    public int Channels
    {
        get => _pixels.Channels;
        init => _pixels = _pixels with { Channels = value };
    }

    /// <summary>How images are fitted to <see cref="ImageSize"/> (ML.NET's <c>ResizeImages</c>). Default
    /// <see cref="ImagePreprocessing.Resizing"/>'s (<see cref="ImageResizingEstimator.ResizingKind.IsoCrop"/>).</summary>
    public ImageResizingEstimator.ResizingKind Resizing
    {
        get => _pixels.Resizing;
        init => _pixels = _pixels with { Resizing = value };
    }

    /// <summary>Folder that relative image paths are resolved against (ML.NET's <c>LoadImages</c> imageFolder).
    /// Default null: paths as they are.</summary>
    public string? ImageFolder { get; init; }

    /// <summary>Per-channel normalisation means of [0, 1] pixels (baked into the saved ONNX graph). Default null: the
    /// ones recorded in <see cref="Pretrained"/> weights' metadata, else ImageNet's (RGB) or
    /// <see cref="ImagePreprocessing.GrayMean"/> (gray).</summary>
    [JsonIgnore]
    public float[]? Mean
    {
        get => _pixels.Mean;
        init => _pixels = _pixels with { Mean = value };
    }

    /// <summary>Per-channel normalisation standard deviations. Default null: as <see cref="Mean"/>.</summary>
    [JsonIgnore]
    public float[]? Std
    {
        get => _pixels.Std;
        init => _pixels = _pixels with { Std = value };
    }

    /// <summary>Pretrained weights: a safetensors or PyTorch <c>.pth</c>/<c>.pt</c> state dict (read without executing
    /// anything; torchvision, timm or this library's key layouts), or an http(s) URL downloaded into the cache
    /// (<c>RESNET_MLNET_HOME</c>) and pinned by <see cref="PretrainedSha256"/>. A gray model's first convolution is
    /// derived from RGB weights. Default null.</summary>
    public string? Pretrained { get; init; }

    /// <summary>The SHA-256 of the <see cref="Pretrained"/> file (64 hex digits): required for a URL, checked for a file
    /// when given. Default null.</summary>
    [JsonIgnore]
    public string? PretrainedSha256 { get; init; }

    /// <summary>ONNX Runtime intra-op threads of the fitted model's scoring. Default null: all cores.</summary>
    public int? ScoringThreads { get; init; }

    /// <summary>The pixel steps these settings describe (size, channels, resizing, normalisation), whose defaults and
    /// checks these options use.</summary>
    [JsonIgnore]
    public ImagePreprocessing Preprocessing => _pixels;

    /// <summary>The means in effect (defaults filled in).</summary>
    [JsonPropertyName("mean")]
    public float[] EffectiveMean => _pixels.EffectiveMean;

    /// <summary>The standard deviations in effect (defaults filled in).</summary>
    [JsonPropertyName("std")]
    public float[] EffectiveStd => _pixels.EffectiveStd;

    /// <summary>Floats per preprocessed image (C·H·W).</summary>
    [JsonIgnore]
    public int ValuesPerImage => _pixels.ValuesPerImage;

    /// <summary>Checks the settings; throws naming the offending one.</summary>
    public abstract void Validate();

    /// <summary>Checks the shared settings; throws naming the offending one.</summary>
    protected void ValidateImage()
    {
        _pixels.Validate();
        if (string.IsNullOrWhiteSpace(ImageColumnName)) throw new ArgumentException("ImageColumnName must name a column");
        if (ScoringThreads is < 1) throw new ArgumentException($"ScoringThreads must be at least 1, got {ScoringThreads}");
        if (Pretrained == null && PretrainedSha256 != null) throw new ArgumentException("PretrainedSha256 is set but Pretrained names no weights");
    }
}

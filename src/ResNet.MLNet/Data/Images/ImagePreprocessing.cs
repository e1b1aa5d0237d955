using Microsoft.ML.Transforms.Image;

namespace ResNet.MLNet.Data.Images;

/// <summary>
/// How decoded images become model input: converted to <see cref="Channels"/>, fitted to
/// <see cref="Width"/>×<see cref="Height"/> by <see cref="Resizing"/> (bilinear, pixel centres aligned as in
/// PyTorch's <c>interpolate(align_corners=False)</c>), scaled to [0, 1] and normalised per channel:
/// <c>(x − Mean[c]) / Std[c]</c>. Saved with a model, so scoring repeats training's preprocessing exactly.
/// </summary>
public sealed record ImagePreprocessing
{
    /// <summary>ImageNet's RGB means, the default for 3 channels.</summary>
    public static IReadOnlyList<float> ImageNetMean { get; } = new[] { 0.485f, 0.456f, 0.406f };
    /// <summary>ImageNet's RGB standard deviations, the default for 3 channels.</summary>
    public static IReadOnlyList<float> ImageNetStd { get; } = new[] { 0.229f, 0.224f, 0.225f };
    /// <summary>The gray default mean (ImageNet's RGB means averaged).</summary>
    public const float GrayMean = 0.449f;
    /// <summary>The gray default standard deviation (ImageNet's RGB deviations averaged).</summary>
    public const float GrayStd = 0.226f;

    /// <summary>Model input width. Default 224.</summary>
    public int Width { get; init; } = 224;
    /// <summary>Model input height. Default 224.</summary>
    public int Height { get; init; } = 224;
    /// <summary>1 (gray) or 3 (RGB). Default 3.</summary>
    public int Channels { get; init; } = 3;
    /// <summary>How images are fitted to the size (ML.NET's kinds, so the pipeline and this decoder share one).
    /// Default <see cref="ImageResizingEstimator.ResizingKind.IsoCrop"/>.</summary>
    public ImageResizingEstimator.ResizingKind Resizing { get; init; } = ImageResizingEstimator.ResizingKind.IsoCrop;
    /// <summary>Per-channel means after scaling to [0, 1]. Default ImageNet's (3 channels) or <see cref="GrayMean"/>.</summary>
    public float[]? Mean { get; init; }
    /// <summary>Per-channel standard deviations. Default ImageNet's (3 channels) or <see cref="GrayStd"/>.</summary>
    public float[]? Std { get; init; }

    /// <summary>The means in effect (defaults filled in).</summary>
    public float[] EffectiveMean => Mean ?? (Channels == 3 ? ImageNetMean.ToArray() : new[] { GrayMean });
    /// <summary>The standard deviations in effect (defaults filled in).</summary>
    public float[] EffectiveStd => Std ?? (Channels == 3 ? ImageNetStd.ToArray() : new[] { GrayStd });

    /// <summary>Floats per preprocessed image (C·H·W).</summary>
    public int ValuesPerImage => Channels * Height * Width;

    /// <summary>Checks the settings; throws naming the offending one.</summary>
    public void Validate()
    {
        if (Width < 1 || Height < 1) throw new ArgumentException($"image size must be positive, got {Width}x{Height}");
        if (Channels != 1 && Channels != 3) throw new ArgumentException($"Channels must be 1 or 3, got {Channels}");
        if (EffectiveMean.Length != Channels) throw new ArgumentException($"Mean needs {Channels} values, got {EffectiveMean.Length}");
        if (EffectiveStd.Length != Channels) throw new ArgumentException($"Std needs {Channels} values, got {EffectiveStd.Length}");
        if (EffectiveStd.Any(s => !(s > 0))) throw new ArgumentException($"Std values must be positive, got [{string.Join(", ", EffectiveStd)}]");
    }
}

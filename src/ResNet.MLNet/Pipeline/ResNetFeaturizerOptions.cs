using ResNet.MLNet.Data;

namespace ResNet.MLNet;

/// <summary>Settings of <see cref="ResNetCatalog.ResNetFeaturizer(Microsoft.ML.TransformsCatalog, ResNetFeaturizerOptions)"/>:
/// which network (<see cref="ResNetImageOptions.Pretrained"/> weights or a trained <see cref="Classifier"/>), the image
/// column and its preprocessing (<see cref="ResNetImageOptions"/>), and the output column.</summary>
public sealed record ResNetFeaturizerOptions : ResNetImageOptions
{
    /// <summary>The output column: the penultimate-layer (globally pooled) embedding, a known-size float vector of
    /// <see cref="Models.ResNetSpec.FeatureWidth"/> values (512 for ResNet-18/34, 2048 for ResNet-50, 64 for ResNet-20).
    /// Default <see cref="ResNetColumns.Features"/>, the column ML.NET's trainers read.</summary>
    public string OutputColumnName { get; init; } = ResNetColumns.Features;

    /// <summary>A trained classifier whose network (without its head) computes the features; its architecture,
    /// image size, channels, resizing and normalisation are used, and the settings that describe them here are
    /// ignored. Default null: use <see cref="ResNetImageOptions.Pretrained"/> (then required).</summary>
    public ResNetClassifierTransformer? Classifier { get; init; }

    /// <summary>Checks the settings; throws naming the offending one.</summary>
    public override void Validate()
    {
        ValidateImage();
        if (string.IsNullOrWhiteSpace(OutputColumnName)) throw new ArgumentException("OutputColumnName must name a column");
        if (Classifier != null && Pretrained != null)
            throw new ArgumentException("set Classifier or Pretrained, not both: the features come from one network");
        if (Classifier == null && Pretrained == null)
            throw new ArgumentException("ResNetFeaturizer needs a network: set Pretrained (weights file or URL) or Classifier (a trained ResNetClassifierTransformer)");
    }

    /// <summary>The image settings in effect: the <see cref="Classifier"/>'s (reading this image column and folder),
    /// or these with the normalisation given.</summary>
    internal ResNetImageOptions ImageOptions(float[]? mean, float[]? std) => Classifier?.Options is { } trained
        ? trained with { ImageColumnName = ImageColumnName, ImageFolder = ImageFolder ?? trained.ImageFolder, ScoringThreads = ScoringThreads }
        : this with { Mean = mean, Std = std };
}

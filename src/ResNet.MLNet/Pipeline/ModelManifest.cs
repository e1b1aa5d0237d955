using ResNet.MLNet.Data.Images;
using ResNet.MLNet.Engine;

namespace ResNet.MLNet;

/// <summary>
/// The JSON manifest (<c>manifest.json</c>) of a saved model: format version, the pipeline's steps as data, the
/// classifier's architecture, preprocessing, class names, training options and metrics, and the SHA-256 of every
/// other entry of the zip. Nothing in it is code: loading only reads values.
/// </summary>
public sealed record ModelManifest
{
    /// <summary>The format this library writes and reads.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>The format version of the file.</summary>
    public int FormatVersion { get; init; } = CurrentFormatVersion;
    /// <summary>The writer.</summary>
    public string Library { get; init; } = "ResNet.MLNet";
    /// <summary>The pipeline, step by step.</summary>
    public List<ModelStep> Steps { get; init; } = new();
    /// <summary>Entry name → lower-case hex SHA-256 of its bytes, for every entry except the manifest.</summary>
    public Dictionary<string, string> Entries { get; init; } = new();
}

/// <summary>One step of a saved pipeline. <see cref="Kind"/> says which fields apply.</summary>
public sealed record ModelStep
{
    /// <summary>"MapValueToKey", "MapKeyToValue" or "ResNetClassifier".</summary>
    public required string Kind { get; init; }
    /// <summary>Output column (key mappings).</summary>
    public string? OutputColumnName { get; init; }
    /// <summary>Input column (key mappings).</summary>
    public string? InputColumnName { get; init; }
    /// <summary>Learned key values (MapValueToKey).</summary>
    public List<string>? KeyValues { get; init; }
    /// <summary>Architecture name (ResNetClassifier).</summary>
    public string? Architecture { get; init; }
    /// <summary>Image preprocessing (ResNetClassifier).</summary>
    public ImagePreprocessing? Preprocessing { get; init; }
    /// <summary>Class names by index (ResNetClassifier).</summary>
    public List<string>? ClassNames { get; init; }
    /// <summary>Image, score and predicted-label columns (ResNetClassifier).</summary>
    public Dictionary<string, string>? Columns { get; init; }
    /// <summary>Images per scoring pass (ResNetClassifier).</summary>
    public int? ScoringBatchSize { get; init; }
    /// <summary>The zip entry with the weights (safetensors, torchvision names) (ResNetClassifier).</summary>
    public string? WeightsEntry { get; init; }
    /// <summary>Training settings (ResNetClassifier).</summary>
    public Dictionary<string, string>? TrainingOptions { get; init; }
    /// <summary>Per-epoch training metrics (ResNetClassifier).</summary>
    public List<EpochMetrics>? Metrics { get; init; }
    /// <summary>Training images that were skipped as undecodable (ResNetClassifier).</summary>
    public List<SkippedImage>? SkippedImages { get; init; }
}

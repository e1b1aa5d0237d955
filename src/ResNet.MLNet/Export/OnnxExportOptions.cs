namespace ResNet.MLNet.Export;

/// <summary>What <see cref="OnnxExporter"/> writes: the input's name and size, preprocessing baked into the graph,
/// the outputs, and metadata.</summary>
public sealed record OnnxExportOptions
{
    /// <summary>Name of the graph input, a float tensor (N, <see cref="Channels"/>, <see cref="Height"/>,
    /// <see cref="Width"/>) with a dynamic batch axis named <c>N</c>. Default <c>input</c>.</summary>
    public string InputName { get; init; } = "input";

    /// <summary>Input channels (3 for RGB, 1 for gray). Required.</summary>
    public required int Channels { get; init; }

    /// <summary>Input height in pixels. Required.</summary>
    public required int Height { get; init; }

    /// <summary>Input width in pixels. Required.</summary>
    public required int Width { get; init; }

    /// <summary>
    /// Per-channel mean subtracted from the input before the network, or null (default) to feed the network
    /// directly. With <see cref="Mean"/> and <see cref="Std"/> set, the graph input is pixels scaled to [0, 1] and the
    /// first nodes compute <c>(x − mean) / std</c> per channel. Both or neither; one value per channel.
    /// </summary>
    public IReadOnlyList<float>? Mean { get; init; }

    /// <summary>Per-channel standard deviation dividing the input (see <see cref="Mean"/>); default null.</summary>
    public IReadOnlyList<float>? Std { get; init; }

    /// <summary>Name of the logits output (N, classes), or null (default) for none.</summary>
    public string? LogitsName { get; init; }

    /// <summary>Name of the softmax output (N, classes), softmax over axis 1, or null for none. Default <c>probabilities</c>.</summary>
    public string? ProbabilitiesName { get; init; } = "probabilities";

    /// <summary>Name of the predicted class index output, int64 (N) (ArgMax over axis 1), or null (default) for none.</summary>
    public string? PredictedIndexName { get; init; }

    /// <summary>Name of the penultimate-layer output (N, F): a <see cref="Models.ResNet"/>'s globally pooled features,
    /// the input of its classifier; or null (default) for none. When it is the only output, the classifier is left
    /// out of the graph (a featurizer).</summary>
    public string? FeaturesName { get; init; }

    /// <summary>
    /// Key-value pairs stored in the model's <c>metadata_props</c> (architecture, class names, preprocessing,
    /// training options, library version: whatever the caller passes); default none. ONNX Runtime returns them in
    /// <c>ModelMetadata.CustomMetadataMap</c> (see <see cref="Scoring.OnnxScorer.Metadata"/>).
    /// </summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>The graph's name; default <c>ResNet.MLNet</c>.</summary>
    public string GraphName { get; init; } = "ResNet.MLNet";

    /// <summary>Static int8 quantization of the graph (see <see cref="OnnxQuantization"/>), calibrated on the images it
    /// carries, or null (default) for a float graph. Needs <see cref="FoldBatchNorm"/> for the convolutions to run in
    /// integers.</summary>
    public OnnxQuantization? Quantization { get; init; }

    /// <summary>Fold every batch norm that reads a convolution's output alone into it (default true; done by
    /// <see cref="Models.BatchNormFolding"/> for the networks this library builds); false keeps them as
    /// BatchNormalization nodes (for inspection or debugging).</summary>
    public bool FoldBatchNorm { get; init; } = true;
}

namespace ResNet.MLNet.Models.Pretrained;

/// <summary>A tensor name with its shape.</summary>
/// <param name="Name">The state-dict key.</param>
/// <param name="Shape">Its dimensions.</param>
public sealed record TensorKey(string Name, long[] Shape)
{
    /// <summary>The key and its shape, e.g. <c>fc.weight [1000, 512]</c>.</summary>
    public override string ToString() => $"{Name} [{string.Join(", ", Shape)}]";
}

/// <summary>A key present in both the checkpoint and the model with different shapes.</summary>
/// <param name="Name">The model's key.</param>
/// <param name="CheckpointShape">The shape in the checkpoint.</param>
/// <param name="ModelShape">The shape the model expects.</param>
public sealed record ShapeMismatch(string Name, long[] CheckpointShape, long[] ModelShape)
{
    /// <summary>e.g. <c>fc.weight: checkpoint [1000, 512], model [10, 512]</c>.</summary>
    public override string ToString() => $"{Name}: checkpoint [{string.Join(", ", CheckpointShape)}], model [{string.Join(", ", ModelShape)}]";
}

/// <summary>A checkpoint key that was loaded under another name (a wrapper prefix removed or a head renamed).</summary>
/// <param name="CheckpointKey">The key in the file.</param>
/// <param name="ModelKey">The model's key it was loaded into.</param>
public sealed record KeyRename(string CheckpointKey, string ModelKey)
{
    /// <summary>e.g. <c>module.conv1.weight → conv1.weight</c>.</summary>
    public override string ToString() => $"{CheckpointKey} → {ModelKey}";
}

/// <summary>What <see cref="PretrainedWeights"/> loaded into a model and what it could not.</summary>
public sealed class PretrainedLoadReport
{
    internal PretrainedLoadReport(string source, IReadOnlyList<string> loaded, IReadOnlyList<TensorKey> missing,
        IReadOnlyList<TensorKey> unexpected, IReadOnlyList<ShapeMismatch> mismatched, IReadOnlyList<TensorKey> skippedHead,
        IReadOnlyList<KeyRename> renamed, IReadOnlyList<ShapeMismatch> adaptedInputChannels)
    {
        Source = source;
        Loaded = loaded;
        Missing = missing;
        Unexpected = unexpected;
        Mismatched = mismatched;
        SkippedHead = skippedHead;
        Renamed = renamed;
        AdaptedInputChannels = adaptedInputChannels;
    }

    /// <summary>The file (or source name) the weights came from.</summary>
    public string Source { get; }

    /// <summary>The model's keys that received checkpoint values, in the model's order.</summary>
    public IReadOnlyList<string> Loaded { get; }

    /// <summary>The model's keys (with the model's shapes) that the checkpoint lacks; they keep their initial values.
    /// A skipped classifier head is not listed here.</summary>
    public IReadOnlyList<TensorKey> Missing { get; }

    /// <summary>The checkpoint's keys (with the checkpoint's shapes) that match nothing in the model.</summary>
    public IReadOnlyList<TensorKey> Unexpected { get; }

    /// <summary>Keys in both with different shapes; the model keeps its initial values for them.</summary>
    public IReadOnlyList<ShapeMismatch> Mismatched { get; }

    /// <summary>The classifier head's keys (with the model's shapes) that were deliberately left freshly initialised.</summary>
    public IReadOnlyList<TensorKey> SkippedHead { get; }

    /// <summary>Checkpoint keys loaded under another name.</summary>
    public IReadOnlyList<KeyRename> Renamed { get; }

    /// <summary>First-convolution weights derived for another number of input channels (see
    /// <see cref="PretrainedLoadOptions.AdaptInputChannels"/>).</summary>
    public IReadOnlyList<ShapeMismatch> AdaptedInputChannels { get; }

    /// <summary>True when every model key was loaded (or deliberately skipped) and every checkpoint key was used
    /// (a skipped head's checkpoint keys are not counted as unused).</summary>
    public bool IsComplete => Missing.Count == 0 && Unexpected.Count == 0 && Mismatched.Count == 0;

    /// <summary>A readable summary: counts, then each problem with its shapes.</summary>
    public override string ToString()
    {
        var lines = new List<string>
        {
            $"{Source}: loaded {Loaded.Count} tensors; {Missing.Count} missing, {Unexpected.Count} unexpected, " +
            $"{Mismatched.Count} mis-shaped, {SkippedHead.Count} head tensors kept fresh, {Renamed.Count} renamed",
        };
        lines.AddRange(Missing.Select(k => "  missing: " + k));
        lines.AddRange(Unexpected.Select(k => "  unexpected: " + k));
        lines.AddRange(Mismatched.Select(k => "  mis-shaped: " + k));
        lines.AddRange(SkippedHead.Select(k => "  head kept fresh: " + k));
        lines.AddRange(AdaptedInputChannels.Select(k => "  input channels adapted: " + k));
        return string.Join(Environment.NewLine, lines);
    }
}

namespace ResNet.MLNet.Engine;

/// <summary>The arithmetic of the forward and backward passes while training. Weights, optimiser state and the
/// trained model are fp32 either way.</summary>
public enum TrainingPrecision
{
    /// <summary>fp32 throughout (the default).</summary>
    Float32,

    /// <summary>bf16 mixed precision (<c>torch.autocast(dtype=torch.bfloat16)</c>): convolutions and the classifier
    /// run in bf16, everything else in fp32. Several times faster on CPUs with AVX512_BF16; on the CPU it needs them.</summary>
    BFloat16,
}

/// <summary>Command-line names of <see cref="TrainingPrecision"/>.</summary>
public static class TrainingPrecisionNames
{
    /// <summary>The accepted names, for help texts.</summary>
    public const string Help = "fp32 | bf16";

    /// <summary>Reads <c>fp32</c>/<c>float32</c> or <c>bf16</c>/<c>bfloat16</c> (any case); throws naming the text otherwise.</summary>
    public static TrainingPrecision Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "fp32" or "float32" => TrainingPrecision.Float32,
        "bf16" or "bfloat16" => TrainingPrecision.BFloat16,
        _ => throw new ArgumentException($"unknown precision '{text}' (expected {Help})"),
    };
}

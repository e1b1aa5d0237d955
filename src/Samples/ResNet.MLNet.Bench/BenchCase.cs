using System.Text.Json;
using System.Text.Json.Serialization;

namespace ResNet.MLNet.Bench;

/// <summary>One row of the benchmark, read from <c>bench/cases.json</c> and sent as is to the PyTorch worker.</summary>
public sealed record BenchCase(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("batch")] int Batch,
    [property: JsonPropertyName("shape")] int[] Shape,
    [property: JsonPropertyName("iterations")] int Iterations,
    [property: JsonPropertyName("precision")] string? Precision = null)
{
    /// <summary>The training arithmetic of both sides: fp32 unless the case says <c>"precision": "bf16"</c>.</summary>
    [JsonIgnore]
    public ResNet.MLNet.Engine.TrainingPrecision TrainingPrecision =>
        ResNet.MLNet.Engine.TrainingPrecisionNames.Parse(Precision ?? "fp32");

    /// <summary>Whether ours scores with the int8 model (<c>"precision": "int8"</c> on an inference case); every other
    /// side stays fp32, so that ours/ORT is the gain over the float model.</summary>
    [JsonIgnore]
    public bool IsInt8 => !IsTraining && Precision == "int8";

    /// <summary>Whether an iteration is a training step (otherwise one inference pass).</summary>
    public bool IsTraining => Kind == "train";

    /// <summary>Images processed by <see cref="Iterations"/> iterations.</summary>
    public long ImagesPerRepetition => (long)Batch * Iterations;

    /// <summary>The case's network from the zoo (seeded weights; the caller owns it).</summary>
    public ResNet.MLNet.Models.ResNet CreateModel()
    {
        var (architecture, classes) = Model switch
        {
            "resnet20" => (ResNet.MLNet.Models.ResNetArchitecture.ResNet20, 10),
            "resnet18" => (ResNet.MLNet.Models.ResNetArchitecture.ResNet18, 1000),
            "resnet50" => (ResNet.MLNet.Models.ResNetArchitecture.ResNet50, 1000),
            _ => throw new ArgumentException($"unknown benchmark model '{Model}'"),
        };
        ResNet.MLNet.Torch.TorchRuntime.ManualSeed(0);
        return ResNet.MLNet.Models.ResNetZoo.Create(architecture, numClasses: classes, inChannels: Shape[0]);
    }

    private sealed record CaseFile([property: JsonPropertyName("cases")] List<BenchCase> Cases);

    /// <summary>Reads the case list from <paramref name="path"/>.</summary>
    public static IReadOnlyList<BenchCase> Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"benchmark case file not found: {path}", path);
        var file = JsonSerializer.Deserialize<CaseFile>(File.ReadAllText(path))
                   ?? throw new InvalidDataException($"{path}: empty case file");
        foreach (var c in file.Cases)
        {
            if (c.Kind is not ("train" or "infer")) throw new InvalidDataException($"{path}: case '{c.Name}' has kind '{c.Kind}' (expected train or infer)");
            if (c.Shape is not { Length: 3 }) throw new InvalidDataException($"{path}: case '{c.Name}' needs a shape [C, H, W]");
            if (c.Precision != null && !(c.IsTraining ? c.Precision is "fp32" or "bf16" : c.Precision is "fp32" or "int8"))
                throw new InvalidDataException($"{path}: case '{c.Name}' has precision '{c.Precision}' (training: fp32 or bf16; inference: fp32 or int8)");
            if (c.Batch < 1 || c.Iterations < 1) throw new InvalidDataException($"{path}: case '{c.Name}' needs a positive batch and iteration count");
        }
        return file.Cases;
    }
}

using System.Text.Json;
using System.Text.Json.Serialization;
using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Modules;
using ResNet.MLNet.Torch.Optim;
using ResNet.MLNet.Torch.Serialization;

namespace ResNet.MLNet.Engine;

/// <summary>
/// The state of a run after a completed epoch, kept in one directory: <c>checkpoint.safetensors</c> holds the model
/// state (<c>model.*</c>), the SGD momentum buffers (<c>momentum.{index}</c>) and, in its metadata, the JSON
/// description (epochs done, options, history); <c>checkpoint.json</c> is a readable copy of that JSON. Both files are
/// written to a temporary file and renamed, so a crash never leaves a half-written checkpoint; the safetensors file
/// alone is authoritative.
/// </summary>
public sealed class TrainingCheckpoint
{
    /// <summary>The weights file name.</summary>
    public const string WeightsFile = "checkpoint.safetensors";
    /// <summary>The description file name.</summary>
    public const string DescriptionFile = "checkpoint.json";
    private const string MetadataKey = "resnet_mlnet_checkpoint";
    private const string ModelPrefix = "model.", MomentumPrefix = "momentum.";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Converters = { new JsonStringEnumConverter() } };

    /// <summary>The directory.</summary>
    public string Directory { get; }

    /// <summary>Uses <paramref name="directory"/> (created when saving).</summary>
    public TrainingCheckpoint(string directory) => Directory = Path.GetFullPath(directory);

    /// <summary>Whether a checkpoint exists there.</summary>
    public bool Exists => File.Exists(Path.Combine(Directory, WeightsFile));

    /// <summary>What the JSON part records.</summary>
    public sealed record Description(int EpochsCompleted, TrainerOptions Options, IReadOnlyList<EpochMetrics> History);

    /// <summary>Writes the state after <paramref name="epochsCompleted"/> epochs.</summary>
    public void Save(Module model, Sgd optimizer, int epochsCompleted, TrainerOptions options, IReadOnlyList<EpochMetrics> history)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var json = JsonSerializer.Serialize(new Description(epochsCompleted, options, history), Json);
        var momentum = optimizer.MomentumBuffers();
        try
        {
            var tensors = model.StateDict().Select(kv => new KeyValuePair<string, Tensor>(ModelPrefix + kv.Key, kv.Value)).ToList();
            for (int i = 0; i < momentum.Length; i++)
                if (momentum[i] is { } m) tensors.Add(new(MomentumPrefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture), m));
            SafeTensors.Save(Path.Combine(Directory, WeightsFile), tensors, new Dictionary<string, string> { [MetadataKey] = json });
        }
        finally
        {
            foreach (var m in momentum) m?.Dispose();
        }
        WriteAtomically(Path.Combine(Directory, DescriptionFile), json);
    }

    /// <summary>Loads the checkpoint into <paramref name="model"/> and <paramref name="optimizer"/> (momentum moved to
    /// <paramref name="device"/>) and returns its description.</summary>
    public Description Restore(Module model, Sgd optimizer, int parameterCount, Device device)
    {
        var path = Path.Combine(Directory, WeightsFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"no checkpoint at {path}", path);
        var (_, metadata) = SafeTensors.ReadHeader(path);
        if (!metadata.TryGetValue(MetadataKey, out var json))
            throw new InvalidDataException($"{path} is not a training checkpoint (no '{MetadataKey}' metadata)");
        var description = JsonSerializer.Deserialize<Description>(json, Json)
                          ?? throw new InvalidDataException($"{path}: unreadable checkpoint description");
        var loaded = SafeTensors.Load(path);
        try
        {
            var state = loaded.Where(kv => kv.Key.StartsWith(ModelPrefix, StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key[ModelPrefix.Length..], kv => kv.Value);
            model.LoadStateDict(state);
            var buffers = new Tensor?[parameterCount];
            using var scope = TensorScope.Begin();
            foreach (var (name, t) in loaded)
            {
                if (!name.StartsWith(MomentumPrefix, StringComparison.Ordinal)) continue;
                int index = int.Parse(name.AsSpan(MomentumPrefix.Length), System.Globalization.CultureInfo.InvariantCulture);
                if (index < 0 || index >= parameterCount)
                    throw new InvalidDataException($"{path}: momentum buffer '{name}' does not match a model with {parameterCount} parameters");
                buffers[index] = t.To(device);
            }
            optimizer.LoadMomentumBuffers(buffers);
        }
        finally
        {
            foreach (var t in loaded.Values) t.Dispose();
        }
        return description;
    }

    private static void WriteAtomically(string path, string text)
    {
        var temp = path + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            File.WriteAllText(temp, text);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}

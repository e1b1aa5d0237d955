using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using ResNet.MLNet.Models;
using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Serialization;

namespace ResNet.MLNet;

/// <summary>
/// Writes and reads model zips: <c>manifest.json</c> (<see cref="ModelManifest"/>) plus one safetensors entry per
/// classifier. Reading checks every entry against the manifest's SHA-256 before using it, rejects unknown entries and
/// formats, and only parses JSON and tensors (no code is ever executed). Errors name the file and the entry.
/// </summary>
internal static class ModelSerializer
{
    private const string ManifestEntry = "manifest.json";
    private const long MaxManifestBytes = 16 << 20;

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static void Save(ITransformer model, string path)
    {
        var steps = Flatten(model).ToList();
        var manifest = new ModelManifest();
        var blobs = new List<(string Name, byte[] Bytes)>();
        foreach (var step in steps)
        {
            switch (step)
            {
                case ValueToKeyMappingTransformer v:
                    manifest.Steps.Add(new ModelStep { Kind = "MapValueToKey", OutputColumnName = v.OutputColumnName, InputColumnName = v.InputColumnName, KeyValues = v.KeyValues.ToList() });
                    break;
                case KeyToValueMappingTransformer kv:
                    manifest.Steps.Add(new ModelStep { Kind = "MapKeyToValue", OutputColumnName = kv.OutputColumnName, InputColumnName = kv.InputColumnName });
                    break;
                case ResNetClassifierTransformer c:
                    var entry = $"classifier{blobs.Count}.safetensors";
                    using (var buffer = new MemoryStream())
                    {
                        SafeTensors.Save(buffer, c.Model.StateDict());
                        blobs.Add((entry, buffer.ToArray()));
                    }
                    var s = c.Settings;
                    manifest.Steps.Add(new ModelStep
                    {
                        Kind = "ResNetClassifier", Architecture = s.Architecture.ToString(), Preprocessing = s.Preprocessing,
                        ClassNames = s.ClassNames.ToList(), ScoringBatchSize = s.ScoringBatchSize, WeightsEntry = entry,
                        Columns = new() { ["image"] = s.ImageColumnName, ["score"] = s.ScoreColumnName, ["predictedLabel"] = s.PredictedLabelColumnName },
                        TrainingOptions = c.TrainingOptions.ToDictionary(), Metrics = c.History.ToList(), SkippedImages = c.SkippedImages.ToList(),
                    });
                    break;
                default:
                    throw new NotSupportedException($"cannot save a {step.GetType().Name}: only MapValueToKey, MapKeyToValue and ResNetClassifier steps are saved");
            }
        }
        foreach (var (name, bytes) in blobs) manifest.Entries[name] = Sha256(bytes);

        var temporary = path + ".tmp";
        using (var file = File.Create(temporary))
        using (var zip = new ZipArchive(file, ZipArchiveMode.Create))
        {
            Write(zip, ManifestEntry, JsonSerializer.SerializeToUtf8Bytes(manifest, Json));
            foreach (var (name, bytes) in blobs) Write(zip, name, bytes);
        }
        File.Move(temporary, path, overwrite: true);
    }

    public static ITransformer Load(string path, out ModelManifest manifest)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"model file not found: {path}", path);
        var entries = ReadEntries(path);
        if (!entries.TryGetValue(ManifestEntry, out var manifestBytes))
            throw new InvalidDataException($"{path}: not a ResNet.MLNet model (no {ManifestEntry} entry)");
        try { manifest = JsonSerializer.Deserialize<ModelManifest>(manifestBytes, Json) ?? throw new JsonException("empty manifest"); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: {ManifestEntry} is not a valid manifest ({e.Message})", e); }
        if (manifest.FormatVersion != ModelManifest.CurrentFormatVersion)
            throw new InvalidDataException($"{path}: model format version {manifest.FormatVersion} is not supported (this library reads version {ModelManifest.CurrentFormatVersion})");
        foreach (var name in entries.Keys.Where(n => n != ManifestEntry))
            if (!manifest.Entries.ContainsKey(name)) throw new InvalidDataException($"{path}: entry '{name}' is not listed in the manifest");
        foreach (var (name, hash) in manifest.Entries)
        {
            if (!entries.TryGetValue(name, out var bytes)) throw new InvalidDataException($"{path}: entry '{name}' listed in the manifest is missing");
            if (!string.Equals(Sha256(bytes), hash, StringComparison.OrdinalIgnoreCase))
                throw new InvalidDataException($"{path}: entry '{name}' fails its SHA-256 check (the file was modified or corrupted)");
        }
        var transformers = new List<ITransformer>();
        try
        {
            foreach (var step in manifest.Steps) transformers.Add(Build(step, entries, path));
        }
        catch
        {
            foreach (var t in transformers.OfType<IDisposable>()) t.Dispose();
            throw;
        }
        if (transformers.Count == 0) throw new InvalidDataException($"{path}: the manifest lists no pipeline steps");
        return new TransformerChain<ITransformer>(transformers);
    }

    private static ITransformer Build(ModelStep step, Dictionary<string, byte[]> entries, string path)
    {
        string Need(string? value, string field) => value ?? throw new InvalidDataException($"{path}: step '{step.Kind}' lacks '{field}'");
        switch (step.Kind)
        {
            case "MapValueToKey":
                return new ValueToKeyMappingTransformer(Need(step.OutputColumnName, "outputColumnName"), Need(step.InputColumnName, "inputColumnName"),
                    step.KeyValues ?? throw new InvalidDataException($"{path}: step 'MapValueToKey' lacks 'keyValues'"));
            case "MapKeyToValue":
                return new KeyToValueMappingTransformer(Need(step.OutputColumnName, "outputColumnName"), Need(step.InputColumnName, "inputColumnName"));
            case "ResNetClassifier":
                return BuildClassifier(step, entries, path);
            default:
                throw new InvalidDataException($"{path}: unknown pipeline step '{step.Kind}'");
        }
    }

    private static ResNetClassifierTransformer BuildClassifier(ModelStep step, Dictionary<string, byte[]> entries, string path)
    {
        var architecture = ResNetZoo.Parse(step.Architecture ?? throw new InvalidDataException($"{path}: classifier step lacks 'architecture'"));
        var preprocessing = step.Preprocessing ?? throw new InvalidDataException($"{path}: classifier step lacks 'preprocessing'");
        var classNames = step.ClassNames is { Count: >= 2 } names ? names : throw new InvalidDataException($"{path}: classifier step needs at least two 'classNames'");
        var weights = step.WeightsEntry != null && entries.TryGetValue(step.WeightsEntry, out var bytes) && step.WeightsEntry != ManifestEntry
            ? bytes : throw new InvalidDataException($"{path}: classifier weights entry '{step.WeightsEntry}' is missing");
        var columns = step.Columns ?? new Dictionary<string, string>();
        try { preprocessing.Validate(); }
        catch (ArgumentException e) { throw new InvalidDataException($"{path}: invalid preprocessing ({e.Message})", e); }
        var model = ResNetZoo.Create(architecture, classNames.Count, preprocessing.Channels);
        try
        {
            var state = SafeTensors.Load(new MemoryStream(weights), $"{path}!{step.WeightsEntry}");
            try { model.LoadStateDict(state); }
            catch (ArgumentException e) { throw new InvalidDataException($"{path}!{step.WeightsEntry}: {e.Message}", e); }
            finally { foreach (var t in state.Values) t.Dispose(); }
            var settings = new ClassifierSettings(architecture, preprocessing, classNames,
                columns.GetValueOrDefault("image", "ImagePath"), columns.GetValueOrDefault("score", "Score"),
                columns.GetValueOrDefault("predictedLabel", "PredictedLabel"), step.ScoringBatchSize ?? 64);
            return new ResNetClassifierTransformer(model, settings, step.TrainingOptions ?? new(), step.Metrics ?? new(),
                step.SkippedImages ?? new(), Device.Cpu);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static Dictionary<string, byte[]> ReadEntries(string path)
    {
        try
        {
            using var zip = ZipFile.OpenRead(path);
            var result = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            foreach (var entry in zip.Entries)
            {
                if (entry.Name == ManifestEntry && entry.Length > MaxManifestBytes)
                    throw new InvalidDataException($"{path}: {ManifestEntry} is implausibly large ({entry.Length} bytes)");
                using var stream = entry.Open();
                using var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                if (!result.TryAdd(entry.FullName, buffer.ToArray())) throw new InvalidDataException($"{path}: entry '{entry.FullName}' appears twice");
            }
            return result;
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: the model file is truncated or is not a zip archive ({e.Message})", e);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{path}: the model file is truncated ({e.Message})", e);
        }
    }

    private static IEnumerable<ITransformer> Flatten(ITransformer model) => model switch
    {
        IEnumerable<ITransformer> chain => chain.SelectMany(Flatten),
        _ => new[] { model },
    };

    private static void Write(ZipArchive zip, string name, byte[] bytes)
    {
        using var stream = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
        stream.Write(bytes);
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}

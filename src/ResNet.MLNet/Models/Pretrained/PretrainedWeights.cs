using System.Buffers.Binary;
using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Modules;
using ResNet.MLNet.Torch.Serialization;

namespace ResNet.MLNet.Models.Pretrained;

/// <summary>
/// Loads pretrained weights (safetensors, or a PyTorch <c>.pth</c>/<c>.pt</c> state dict read without executing
/// anything) into a zoo network by name, for transfer learning.
/// </summary>
/// <remarks>
/// Our parameter names are torchvision's, and timm's ResNets use the same names (<c>conv1</c>, <c>bn1</c>,
/// <c>layerN.M.convK</c>, <c>downsample.0/1</c>, <c>fc</c>; timm's ResNet-C/D deep stem <c>conv1.0/1/3/4/6</c> and
/// average-pool shortcut <c>downsample.1/2</c> equal our <see cref="ResNetArchitecture.ResNet50D"/>). So keys match
/// as they are; beyond that, wrapper prefixes (<c>module.</c> from DataParallel, <c>model.</c>, <c>_orig_mod.</c>
/// from torch.compile) are removed and a classifier named <c>head.fc</c> (timm's newer heads) or <c>linear</c>
/// (common CIFAR ResNet code) is taken as <c>fc</c>, but only where the model has no such key itself.
/// </remarks>
public static class PretrainedWeights
{
    private static readonly string[] WrapperPrefixes = { "module.", "model.", "_orig_mod." };
    private static readonly (string From, string To)[] HeadAliases = { ("head.fc.", "fc."), ("linear.", "fc.") };

    /// <summary>
    /// Reads every tensor of a safetensors or PyTorch file (recognised by content, not by extension) onto the CPU;
    /// the caller disposes them.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is neither format, or is damaged; the message names it.</exception>
    public static Dictionary<string, Tensor> ReadTensors(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"weights file not found: {path}", path);
        if (PyTorchCheckpoint.LooksLikePyTorchFile(path)) return PyTorchCheckpoint.Load(path);
        Span<byte> head = stackalloc byte[9];
        int n;
        using (var f = File.OpenRead(path)) n = f.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        // safetensors: an 8-byte little-endian header length, then a JSON object.
        if (n == 9 && head[8] == (byte)'{' && BinaryPrimitives.ReadUInt64LittleEndian(head) > 1) return SafeTensors.Load(path);
        throw new InvalidDataException($"{path}: neither a safetensors file nor a PyTorch state dict (.pth/.pt)");
    }

    /// <summary>Builds <paramref name="architecture"/> and loads the weights in <paramref name="path"/> into it.</summary>
    /// <param name="architecture">The zoo network.</param>
    /// <param name="path">A safetensors or PyTorch state-dict file.</param>
    /// <param name="report">What was loaded, missing, unexpected, mis-shaped or kept fresh.</param>
    /// <param name="numClasses">The class count of the new head (the checkpoint's head is skipped when it differs, by default).</param>
    /// <param name="inChannels">The input channels (the first convolution is adapted when they differ, by default).</param>
    /// <param name="options">Loading options; null for the defaults.</param>
    public static ResNet Create(ResNetArchitecture architecture, string path, out PretrainedLoadReport report,
        int? numClasses = null, int? inChannels = null, PretrainedLoadOptions? options = null)
    {
        var net = ResNetZoo.Create(architecture, numClasses, inChannels);
        try
        {
            report = LoadInto(net, path, options);
            return net;
        }
        catch
        {
            net.Dispose();
            throw;
        }
    }

    /// <summary>As <see cref="Create(ResNetArchitecture, string, out PretrainedLoadReport, int?, int?, PretrainedLoadOptions?)"/>
    /// with the architecture given by name (<c>resnet18</c>, <c>ResNet-50</c>, <c>resnet50d</c>; see <see cref="ResNetZoo.Parse"/>).</summary>
    public static ResNet Create(string architecture, string path, out PretrainedLoadReport report,
        int? numClasses = null, int? inChannels = null, PretrainedLoadOptions? options = null) =>
        Create(ResNetZoo.Parse(architecture), path, out report, numClasses, inChannels, options);

    /// <summary>Loads the weights in <paramref name="path"/> (safetensors or PyTorch) into <paramref name="model"/> by name.</summary>
    /// <exception cref="InvalidDataException">The file is damaged, no key matches the model, or (with
    /// <see cref="PretrainedLoadOptions.Strict"/>) something does not match; the model is then unchanged.</exception>
    public static PretrainedLoadReport LoadInto(Module model, string path, PretrainedLoadOptions? options = null)
    {
        var tensors = ReadTensors(path);
        try
        {
            return LoadInto(model, tensors, path, options);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>Loads <paramref name="weights"/> into <paramref name="model"/> by name (the tensors stay the caller's).</summary>
    /// <param name="model">The network to fill.</param>
    /// <param name="weights">Tensors by checkpoint key.</param>
    /// <param name="sourceName">Names the source in the report and in errors.</param>
    /// <param name="options">Loading options; null for the defaults.</param>
    public static PretrainedLoadReport LoadInto(Module model, IReadOnlyDictionary<string, Tensor> weights, string sourceName, PretrainedLoadOptions? options = null)
    {
        options ??= new PretrainedLoadOptions();
        var own = model.StateDict();
        var modelShapes = own.ToDictionary(kv => kv.Key, kv => kv.Value.Shape);

        // Exact names first, so a renamed key never displaces one that matches as it is.
        var assigned = new Dictionary<string, string>(); // model key -> checkpoint key
        var renamed = new List<KeyRename>();
        var unmatched = new List<string>();
        foreach (var key in weights.Keys)
            if (modelShapes.ContainsKey(key)) assigned[key] = key;
        foreach (var key in weights.Keys)
        {
            if (assigned.ContainsKey(key) && assigned[key] == key) continue;
            var target = Candidates(key).FirstOrDefault(c => modelShapes.ContainsKey(c) && !assigned.ContainsKey(c));
            if (target == null) unmatched.Add(key);
            else
            {
                assigned[target] = key;
                renamed.Add(new KeyRename(key, target));
            }
        }
        if (assigned.Count == 0)
            throw new InvalidDataException(
                $"{sourceName}: none of its {weights.Count} keys matches the model's {own.Count} keys " +
                $"(checkpoint keys such as {Sample(weights.Keys)}; model keys such as {Sample(own.Select(kv => kv.Key))}); " +
                "is it the right architecture?");

        bool IsHead(string key) => key.StartsWith(options.ClassifierPrefix, StringComparison.Ordinal);
        bool headDiffers = assigned.Any(a => IsHead(a.Key) && !weights[a.Value].Shape.SequenceEqual(modelShapes[a.Key]));
        bool skipHead = options.ClassifierHead == ClassifierHeadPolicy.Skip ||
                        (options.ClassifierHead == ClassifierHeadPolicy.SkipIfShapeDiffers && headDiffers);

        var toLoad = new Dictionary<string, Tensor>();
        var loaded = new List<string>();
        var missing = new List<TensorKey>();
        var mismatched = new List<ShapeMismatch>();
        var skipped = new List<TensorKey>();
        var adapted = new List<ShapeMismatch>();
        string? firstConv = own.FirstOrDefault(kv => kv.Value.Dim == 4).Key;
        using var scope = TensorScope.Begin();
        foreach (var (name, tensor) in own)
        {
            if (skipHead && IsHead(name))
            {
                skipped.Add(new TensorKey(name, tensor.Shape));
                continue;
            }
            if (!assigned.TryGetValue(name, out var source))
            {
                missing.Add(new TensorKey(name, tensor.Shape));
                continue;
            }
            var value = weights[source];
            if (!value.Shape.SequenceEqual(tensor.Shape))
            {
                if (options.AdaptInputChannels && name == firstConv && AdaptInputChannels(value, tensor.Shape) is { } conv)
                {
                    adapted.Add(new ShapeMismatch(name, value.Shape, tensor.Shape));
                    value = conv;
                }
                else
                {
                    mismatched.Add(new ShapeMismatch(name, value.Shape, tensor.Shape));
                    continue;
                }
            }
            toLoad[name] = value;
            loaded.Add(name);
        }
        var unexpected = unmatched.Select(k => new TensorKey(k, weights[k].Shape)).ToList();
        var report = new PretrainedLoadReport(sourceName, loaded, missing, unexpected, mismatched, skipped, renamed, adapted);
        if (options.Strict && !report.IsComplete)
            throw new InvalidDataException($"{sourceName}: does not fit the model exactly (strict loading):{Environment.NewLine}{report}");
        model.LoadStateDict(toLoad, strict: false);
        return report;
    }

    private static IEnumerable<string> Candidates(string key)
    {
        // Each wrapper prefix may appear once, in any order (e.g. "module._orig_mod."), then a head alias may apply.
        var forms = new List<string> { key };
        for (int round = 0; round < WrapperPrefixes.Length; round++)
            foreach (var form in forms.ToList())
                foreach (var prefix in WrapperPrefixes)
                    if (form.StartsWith(prefix, StringComparison.Ordinal) && !forms.Contains(form[prefix.Length..]))
                        forms.Add(form[prefix.Length..]);
        foreach (var form in forms)
        {
            if (form != key) yield return form;
            foreach (var (from, to) in HeadAliases)
                if (form.StartsWith(from, StringComparison.Ordinal)) yield return to + form[from.Length..];
        }
    }

    /// <summary>The checkpoint's first convolution weights [out, c, k, k] re-derived for the model's input channels.</summary>
    private static Tensor? AdaptInputChannels(Tensor weight, long[] target)
    {
        var source = weight.Shape;
        if (source.Length != 4 || target.Length != 4 || source[0] != target[0] || source[2] != target[2] || source[3] != target[3]) return null;
        long outC = source[0], inC = source[1], inT = target[1], k = source[2] * source[3];
        using var f = weight.To(DType.Float32).DetachFromScope();
        var w = f.ToArray<float>();
        var result = new float[outC * inT * k];
        for (long o = 0; o < outC; o++)
            for (long c = 0; c < inT; c++)
                for (long i = 0; i < k; i++)
                {
                    double v;
                    if (inT == 1)
                    {
                        // One channel sees the sum of what the RGB filters saw, so a gray image gives the same response.
                        v = 0;
                        for (long s = 0; s < inC; s++) v += w[(o * inC + s) * k + i];
                    }
                    else v = w[(o * inC + c % inC) * k + i] * (double)inC / inT;  // tiled, scaled to keep the activation's magnitude
                    result[(o * inT + c) * k + i] = (float)v;
                }
        return Tensor.FromArray(result, target);
    }

    private static string Sample(IEnumerable<string> keys) => string.Join(", ", keys.Take(3).Select(k => $"'{k}'"));
}

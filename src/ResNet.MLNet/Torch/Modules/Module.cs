namespace ResNet.MLNet.Torch.Modules;

/// <summary>
/// A network building block with named parameters, buffers and sub-modules, as <c>torch.nn.Module</c>.
/// Names compose with dots (<c>layer2.0.downsample.1.running_var</c>), and <see cref="StateDict"/> lists entries
/// in PyTorch's order: a module's parameters, then its buffers, then each child in registration order.
/// A module owns its tensors: <see cref="Dispose"/> frees them.
/// </summary>
public abstract class Module : IDisposable
{
    private readonly List<KeyValuePair<string, Tensor>> _parameters = new();
    private readonly List<KeyValuePair<string, Tensor>> _buffers = new();
    private readonly List<KeyValuePair<string, Module>> _children = new();
    private bool _disposed;

    /// <summary>Whether the module is in training mode (batch statistics, dropout) rather than evaluation mode.</summary>
    public bool IsTraining { get; private set; } = true;

    /// <summary>Computes the module's output.</summary>
    public abstract Tensor Forward(Tensor input);

    /// <summary>Registers a trainable tensor (sets requires_grad; the module takes ownership).</summary>
    protected Tensor RegisterParameter(string name, Tensor tensor)
    {
        CheckName(name);
        tensor.DetachFromScope();
        tensor.RequiresGrad = true;
        _parameters.Add(new(name, tensor));
        return tensor;
    }

    /// <summary>Registers a non-trainable state tensor such as BN running statistics (the module takes ownership).</summary>
    protected Tensor RegisterBuffer(string name, Tensor tensor)
    {
        CheckName(name);
        tensor.DetachFromScope();
        _buffers.Add(new(name, tensor));
        return tensor;
    }

    /// <summary>Registers a child module under <paramref name="name"/>.</summary>
    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        CheckName(name);
        _children.Add(new(name, module));
        return module;
    }

    /// <summary>Replaces the child registered as <paramref name="name"/> (the old one is returned, not disposed).</summary>
    protected Module ReplaceModule(string name, Module module)
    {
        for (int i = 0; i < _children.Count; i++)
        {
            if (_children[i].Key != name) continue;
            var old = _children[i].Value;
            _children[i] = new(name, module);
            return old;
        }
        throw new ArgumentException($"no child module named '{name}'");
    }

    private void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.'))
            throw new ArgumentException($"invalid name '{name}': names are non-empty and contain no dots");
        if (_parameters.Any(p => p.Key == name) || _buffers.Any(b => b.Key == name) || _children.Any(c => c.Key == name))
            throw new ArgumentException($"'{name}' is already registered in {GetType().Name}");
    }

    /// <summary>This module and every descendant with its dotted path ("" for this one).</summary>
    public IEnumerable<KeyValuePair<string, Module>> NamedModules(string prefix = "")
    {
        yield return new(prefix, this);
        foreach (var (name, child) in _children)
            foreach (var m in child.NamedModules(Join(prefix, name)))
                yield return m;
    }

    /// <summary>All parameters with dotted names, depth first.</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> NamedParameters(string prefix = "")
    {
        foreach (var (name, p) in _parameters) yield return new(Join(prefix, name), p);
        foreach (var (name, child) in _children)
            foreach (var p in child.NamedParameters(Join(prefix, name)))
                yield return p;
    }

    /// <summary>All buffers with dotted names, depth first.</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> NamedBuffers(string prefix = "")
    {
        foreach (var (name, b) in _buffers) yield return new(Join(prefix, name), b);
        foreach (var (name, child) in _children)
            foreach (var b in child.NamedBuffers(Join(prefix, name)))
                yield return b;
    }

    /// <summary>All parameters, depth first.</summary>
    public IReadOnlyList<Tensor> Parameters() => NamedParameters().Select(p => p.Value).ToList();

    /// <summary>The number of trainable scalars.</summary>
    public long ParameterCount => NamedParameters().Sum(p => p.Value.NumElements);

    /// <summary>Parameters and buffers by dotted name, in PyTorch's <c>state_dict()</c> order. The tensors are the
    /// module's own (not copies): do not dispose them.</summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> StateDict()
    {
        var result = new List<KeyValuePair<string, Tensor>>();
        AppendState(result, "");
        return result;
    }

    private void AppendState(List<KeyValuePair<string, Tensor>> result, string prefix)
    {
        foreach (var (name, p) in _parameters) result.Add(new(Join(prefix, name), p));
        foreach (var (name, b) in _buffers) result.Add(new(Join(prefix, name), b));
        foreach (var (name, child) in _children) child.AppendState(result, Join(prefix, name));
    }

    /// <summary>
    /// Copies values by name into this module's parameters and buffers (converting device and dtype as needed).
    /// With <paramref name="strict"/>, a missing or unexpected key is an error; a shape mismatch always is.
    /// Nothing is changed when an error is raised.
    /// </summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, bool strict = true)
    {
        var own = StateDict();
        var problems = new List<string>();
        foreach (var (name, tensor) in own)
        {
            if (!state.TryGetValue(name, out var source))
            {
                if (strict) problems.Add($"missing key '{name}' (expected shape [{string.Join(", ", tensor.Shape)}])");
                continue;
            }
            var expected = tensor.Shape;
            var actual = source.Shape;
            if (!expected.SequenceEqual(actual))
                problems.Add($"'{name}' has shape [{string.Join(", ", actual)}] but the model expects [{string.Join(", ", expected)}]");
        }
        if (strict)
        {
            var names = own.Select(kv => kv.Key).ToHashSet();
            foreach (var key in state.Keys.Where(k => !names.Contains(k)).OrderBy(k => k, StringComparer.Ordinal))
                problems.Add($"unexpected key '{key}'");
        }
        if (problems.Count > 0)
            throw new ArgumentException($"cannot load state into {GetType().Name}: " + string.Join("; ", problems.Take(10)) +
                                        (problems.Count > 10 ? $"; and {problems.Count - 10} more" : ""));
        foreach (var (name, tensor) in own)
            if (state.TryGetValue(name, out var source)) tensor.CopyInPlace(source);
    }

    /// <summary>Sets training mode on this module and every descendant.</summary>
    public Module Train(bool training = true)
    {
        IsTraining = training;
        foreach (var (_, child) in _children) child.Train(training);
        return this;
    }

    /// <summary>Sets evaluation mode (running statistics, no dropout).</summary>
    public Module Eval() => Train(false);

    /// <summary>Moves every parameter and buffer to <paramref name="device"/> in place (tensor objects keep their identity).</summary>
    public Module To(Device device)
    {
        foreach (var (_, t) in StateDict())
        {
            if (t.Device == device) continue;
            using var moved = t.To(device).DetachFromScope();
            t.SetData(moved);
        }
        return this;
    }

    /// <summary>Converts every 4-D parameter (convolution weights) to channels-last strides in place, the layout
    /// oneDNN and cuDNN prefer; feed channels-last inputs to benefit.</summary>
    public Module ToChannelsLast()
    {
        foreach (var (_, t) in NamedParameters())
        {
            if (t.Dim != 4) continue;
            using var converted = t.Contiguous(MemoryFormat.ChannelsLast).DetachFromScope();
            t.SetData(converted);
        }
        return this;
    }

    /// <summary>Drops the gradients of all parameters.</summary>
    public void ZeroGrad() => Optim.Gradients.Clear(Parameters());

    /// <summary>Frees every parameter, buffer and child module.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var (_, p) in _parameters) p.Dispose();
        foreach (var (_, b) in _buffers) b.Dispose();
        foreach (var (_, c) in _children) c.Dispose();
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;
}

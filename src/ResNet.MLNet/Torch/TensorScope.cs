namespace ResNet.MLNet.Torch;

/// <summary>
/// Frees, on <see cref="Dispose"/>, every tensor created on this thread while the scope was the innermost one,
/// except those moved out with <see cref="Tensor.MoveToOuterScope"/> or <see cref="Tensor.DetachFromScope"/>.
/// Native memory is invisible to the garbage collector, so a training step runs inside a scope:
/// <code>
/// using (var scope = TensorScope.Begin())
/// {
///     var loss = F.CrossEntropy(model.Forward(x), y);
///     loss.Backward();
/// }   // every intermediate tensor of the step is released here
/// </code>
/// Scopes nest; they are per thread.
/// </summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? _current;

    private readonly List<Tensor> _tensors = new();
    private readonly TensorScope? _parent;
    private readonly int _threadId;
    private bool _disposed;

    private TensorScope()
    {
        _parent = _current;
        _threadId = Environment.CurrentManagedThreadId;
        _current = this;
    }

    /// <summary>Opens a new innermost scope on the calling thread.</summary>
    public static TensorScope Begin() => new();

    /// <summary>The number of tensors this scope will free.</summary>
    public int Count => _tensors.Count;

    internal static void Track(Tensor tensor)
    {
        var scope = _current;
        if (scope == null) return;
        tensor.Owner = scope;
        scope._tensors.Add(tensor);
    }

    internal void Adopt(Tensor tensor)
    {
        tensor.Owner = this;
        _tensors.Add(tensor);
    }

    internal TensorScope? Parent => _parent;

    /// <summary>Frees every tensor still owned by this scope and makes the enclosing scope current again.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        if (Environment.CurrentManagedThreadId != _threadId)
            throw new InvalidOperationException("a TensorScope must be disposed on the thread that opened it");
        _disposed = true;
        foreach (var t in _tensors)
            if (ReferenceEquals(t.Owner, this)) t.Dispose();
        _tensors.Clear();
        // Scopes close in LIFO order; if an inner scope was leaked, restore to this scope's parent anyway.
        _current = _parent;
    }
}

using ResNet.MLNet.Native;

namespace ResNet.MLNet.Torch;

/// <summary>
/// Pins the native handles of a list of tensors for one native call that takes an array of pointers
/// (the handles cannot be released while pinned). Dispose releases them.
/// </summary>
internal readonly struct HandleList : IDisposable
{
    private readonly TensorHandle[] _handles;
    private readonly bool[] _added;

    /// <summary>The raw pointers, in the order of the list.</summary>
    public readonly IntPtr[] Pointers;

    public HandleList(IReadOnlyList<Tensor> tensors)
    {
        _handles = new TensorHandle[tensors.Count];
        _added = new bool[tensors.Count];
        Pointers = new IntPtr[tensors.Count];
        for (int i = 0; i < tensors.Count; i++)
        {
            _handles[i] = tensors[i].H;
            _handles[i].DangerousAddRef(ref _added[i]);
            Pointers[i] = _handles[i].DangerousGetHandle();
        }
    }

    public void Dispose()
    {
        for (int i = 0; i < _handles.Length; i++)
            if (_added[i]) _handles[i].DangerousRelease();
    }
}

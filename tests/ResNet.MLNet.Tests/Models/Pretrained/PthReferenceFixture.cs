using ResNet.MLNet.Tests.Support;

namespace ResNet.MLNet.Tests.Models.Pretrained;

/// <summary>Runs the reference scripts once for the pretrained-weights tests: torchvision resnet18 and a small
/// module saved with torch.save (zip and legacy) plus safetensors copies, and the malicious pickles.</summary>
public sealed class PthReferenceFixture : IDisposable
{
    private readonly TempDir _dir = new();

    public PthReferenceFixture()
    {
        PythonReference.Run("pth_reference.py", _dir.Path);
        PythonReference.Run("malicious_pickle.py", _dir.Path, Marker, _dir.File("control-marker"));
    }

    /// <summary>The file every malicious payload would create.</summary>
    public string Marker => _dir.File("pwned-marker");

    public string File(string name) => _dir.File(name);

    public void Dispose() => _dir.Dispose();
}

[CollectionDefinition(Name)]
public sealed class PthCollection : ICollectionFixture<PthReferenceFixture>
{
    public const string Name = "pth references";
}

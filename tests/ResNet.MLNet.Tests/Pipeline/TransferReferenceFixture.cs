using ResNet.MLNet.Tests.Support;

namespace ResNet.MLNet.Tests.Pipeline;

/// <summary>Runs featurizer_reference.py once: torchvision resnet18 (seeded random weights) saved by torch.save, and
/// torchvision's penultimate-layer features of a batch of 32×32 pixels.</summary>
public sealed class TransferReferenceFixture : IDisposable
{
    public const int Size = 32, Count = 3;
    private readonly TempDir _dir = new();

    public TransferReferenceFixture() => PythonReference.Run("featurizer_reference.py", _dir.Path, Size.ToString(), Count.ToString());

    /// <summary>torchvision resnet18's state dict, written by torch.save.</summary>
    public string Resnet18Pth => _dir.File("resnet18.pth");

    /// <summary>x (N, 3, 32, 32) in [0, 1] and torchvision's features (N, 512) of x.</summary>
    public string Pixels => _dir.File("pixels.safetensors");

    public void Dispose() => _dir.Dispose();
}

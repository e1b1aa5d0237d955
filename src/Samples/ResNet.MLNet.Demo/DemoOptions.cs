using ResNet.MLNet.Data;
using ResNet.MLNet.Engine;
using ResNet.MLNet.Models;

namespace ResNet.MLNet.Demo;

/// <summary>What the demo's command line chose (see <see cref="DemoCommand"/> for the options and their defaults):
/// the classifier's options plus what only the demo has.</summary>
public sealed record DemoOptions
{
    /// <summary>The demo's defaults: ResNet-20 on the IDX loader's 1×28×28 images, trained with the engine's
    /// Fashion-MNIST recipe (<see cref="TrainerOptions"/>' defaults) for 2 epochs.</summary>
    public static ResNetClassifierOptions DefaultClassifier { get; } = new()
    {
        ImageColumnName = ResNetColumns.Image, ImageSize = 28, Channels = 1, Architecture = ResNetArchitecture.ResNet20,
        Training = new TrainerOptions { Epochs = 2 },
    };

    /// <summary>The classifier's options.</summary>
    public ResNetClassifierOptions Classifier { get; init; } = DefaultClassifier;
    /// <summary>Train on the first N images only.</summary>
    public int? Subset { get; init; }
    /// <summary>Where the model zip is saved.</summary>
    public string Output { get; init; } = "artifacts/fashion-mnist";
    /// <summary>Directory of the IDX files (default: Debian's).</summary>
    public string? DataDirectory { get; init; }
    /// <summary>libtorch and ONNX Runtime intra-op threads (default: all cores).</summary>
    public int? Threads { get; init; }
}

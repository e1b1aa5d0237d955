using ResNet.MLNet.Engine;
using ResNet.MLNet.Models;

namespace ResNet.MLNet.Demo;

/// <summary>What the demo's command line chose (see <see cref="DemoCommand"/> for the options and their defaults):
/// the classifier's options plus what only the demo has.</summary>
public sealed record DemoOptions
{
    /// <summary>The demo's defaults: ResNet-20 on 1×28×28 images, 2 one-cycle epochs, batch 128, lr 0.1.</summary>
    public static ResNetClassifierOptions DefaultClassifier { get; } = new()
    {
        ImageColumnName = "Image", ImageSize = 28, Channels = 1, Architecture = ResNetArchitecture.ResNet20,
        Epochs = 2, BatchSize = 128, LearningRate = 0.1, Schedule = LearningRateSchedule.OneCycle,
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

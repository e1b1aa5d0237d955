using ResNet.MLNet.Models;
using ResNet.MLNet.Models.Pretrained;

namespace ResNet.MLNet.Pipeline;

/// <summary>A zoo network built with pretrained weights for the estimators: the checkpoint's head is never loaded
/// (a fresh one serves the user's classes), and every other model key must be found with its shape.</summary>
internal static class PretrainedNetwork
{
    /// <summary>Builds <paramref name="architecture"/> with <paramref name="path"/>'s weights; throws naming the missing
    /// and mis-shaped keys when the file does not fill the backbone (usually another architecture's weights).</summary>
    public static Models.ResNet Create(ResNetArchitecture architecture, string path, int? classCount, int channels, out PretrainedLoadReport report)
    {
        var model = PretrainedWeights.Create(architecture, path, out report, classCount, channels,
            new PretrainedLoadOptions { ClassifierHead = ClassifierHeadPolicy.Skip });
        if (report.Missing.Count == 0 && report.Mismatched.Count == 0) return model;
        model.Dispose();
        throw new InvalidDataException($"the pretrained weights do not fit {architecture} (is Architecture the network they were trained as?): {report}");
    }
}

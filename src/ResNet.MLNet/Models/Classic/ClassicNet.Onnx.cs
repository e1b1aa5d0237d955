using ResNet.MLNet.Export;

namespace ResNet.MLNet.Models.Classic;

public sealed partial class ClassicNet : IOnnxExportable
{
    // As Forward: features, optional adaptive pool, flatten, classifier (dropout is the identity in evaluation mode).
    string IOnnxExportable.ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        var shape = graph.Expect4D(input, Spec.InChannels, Spec.Name);
        if (_avgpool == null && (shape[2] != Spec.InputSize || shape[3] != Spec.InputSize))
            throw new InvalidOperationException($"{Spec.Name} expects {Spec.InputSize}×{Spec.InputSize} images; the export options give {shape[2]}×{shape[3]}");
        var x = graph.Export(Features, input);
        if (_avgpool != null) x = graph.Export(_avgpool, x);
        return graph.Export(Classifier, graph.Flatten(x));
    }
}

using ResNet.MLNet.Export;

namespace ResNet.MLNet.Models.Classic;

public sealed partial class ClassicNet : IOnnxExportable
{
    // Forward's checks as graph errors, then Forward's own sequence (dropout is the identity in evaluation mode).
    string IOnnxExportable.ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        var shape = graph.Expect4D(input, Spec.InChannels, Spec.Name);
        if (_avgpool == null && (shape[2] != Spec.InputSize || shape[3] != Spec.InputSize))
            throw new InvalidOperationException($"{Spec.Name} expects {Spec.InputSize}×{Spec.InputSize} images; the export options give {shape[2]}×{shape[3]}");
        return Apply(new OnnxOps(graph), input);
    }
}

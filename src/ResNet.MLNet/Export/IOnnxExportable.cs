namespace ResNet.MLNet.Export;

/// <summary>
/// A module that writes itself into an ONNX graph with evaluation-mode semantics (running BN statistics, no
/// dropout). The exporter already knows every layer and network of this library; implement this on your own
/// <see cref="Torch.Modules.Module"/> subclasses to make them exportable by <see cref="OnnxExporter"/>.
/// </summary>
public interface IOnnxExportable
{
    /// <summary>
    /// Adds the nodes computing this module's output from the value named <paramref name="input"/> and returns the
    /// name of the output value. Export child modules through <see cref="OnnxGraphBuilder.Export"/> (so that their
    /// names and error messages carry their path in the model).
    /// </summary>
    string ExportOnnx(OnnxGraphBuilder graph, string input);
}

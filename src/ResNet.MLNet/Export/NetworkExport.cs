using ResNet.MLNet.Models;
using ResNet.MLNet.Models.Classic;
using ResNet.MLNet.Torch.Modules;

namespace ResNet.MLNet.Export;

/// <summary>
/// The ONNX form of the networks this library builds. Each runs the network's own forward sequence
/// (<see cref="IForwardOps{T}"/>) over graph values instead of tensors, so the export cannot drift from the forward.
/// </summary>
internal static class NetworkExport
{
    /// <summary>The nodes computing <paramref name="module"/> on <paramref name="input"/>; null when it is not one of the library's networks or blocks.</summary>
    internal static string? TryWrite(OnnxGraphBuilder graph, Module module, string input) => module switch
    {
        Models.ResNet net => graph.Export(net.Fc, Features(graph, net, input)),
        ResidualBlock block => block.Apply(new OnnxOps(graph), input),
        ZeroPadShortcut shortcut => ZeroPad(graph, shortcut, input),
        ClassicNet net => Classic(graph, net, input),
        _ => null,
    };

    /// <summary>Adds the nodes of <see cref="Models.ResNet.Features(Torch.Tensor)"/> (everything before the classifier) and
    /// returns the pooled features (N, F).</summary>
    internal static string Features(OnnxGraphBuilder graph, Models.ResNet net, string input)
    {
        graph.Expect4D(input, net.Spec.InChannels, net.Spec.Name);
        return net.Features(new OnnxOps(graph), input);
    }

    // Forward's checks as graph errors, then Forward's own sequence (dropout is the identity in evaluation mode).
    private static string Classic(OnnxGraphBuilder graph, ClassicNet net, string input)
    {
        var shape = graph.Expect4D(input, net.Spec.InChannels, net.Spec.Name);
        if (!net.PoolsAdaptively && (shape[2] != net.Spec.InputSize || shape[3] != net.Spec.InputSize))
            throw new InvalidOperationException($"{net.Spec.Name} expects {net.Spec.InputSize}×{net.Spec.InputSize} images; the export options give {shape[2]}×{shape[3]}");
        return net.Apply(new OnnxOps(graph), input);
    }

    private static string ZeroPad(OnnxGraphBuilder graph, ZeroPadShortcut shortcut, string input)
    {
        var shape = graph.ShapeOf(input);
        var x = input;
        int stride = shortcut.Stride;
        if (stride != 1)
        {
            shape[2] = (shape[2] + stride - 1) / stride;
            shape[3] = (shape[3] + stride - 1) / stride;
            x = graph.Node("Slice", new[]
            {
                x, graph.Constant("starts", new long[] { 0, 0 }, 2), graph.Constant("ends", new long[] { long.MaxValue, long.MaxValue }, 2),
                graph.Constant("axes", new long[] { 2, 3 }, 2), graph.Constant("steps", new long[] { stride, stride }, 2),
            }, shape);
        }
        if (shortcut.PadBefore + shortcut.PadAfter == 0) return x;
        shape[1] += shortcut.PadBefore + shortcut.PadAfter;
        // pads lists the starts of every axis, then the ends: only the channel axis grows
        return graph.Node("Pad", new[] { x, graph.Constant("pads", new long[] { 0, shortcut.PadBefore, 0, 0, 0, shortcut.PadAfter, 0, 0 }, 8) }, shape);
    }

    /// <summary>Writes a forward pass as ONNX nodes (evaluation semantics).</summary>
    private sealed class OnnxOps(OnnxGraphBuilder graph) : IForwardOps<string>
    {
        public string Run(Module module, string x) => graph.Export(module, x);
        public string Relu(string x, bool inPlace) => graph.Relu(x);
        public string Add(string x, string shortcut) => graph.Add(x, shortcut);
        public string Flatten(string x) => graph.Flatten(x);
        public string Keep(string x) => x;
    }
}

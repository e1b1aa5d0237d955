namespace ResNet.MLNet.Export;

/// <summary>
/// Folds every BatchNormalization whose input is the output of a Conv used nowhere else into that Conv's weight and
/// bias: <c>W' = W·s</c>, <c>b' = (b − μ)·s + β</c> with <c>s = γ/√(σ²+ε)</c> per output channel. BNs that read
/// anything else (pre-activation units normalise a sum or the block input) stay as BatchNormalization nodes.
/// Runs on the graph, not on modules, so it applies to every architecture alike.
/// </summary>
internal static class BatchNormFolding
{
    /// <summary>Folds in place and returns the number of BatchNormalization nodes removed.</summary>
    public static int Apply(OnnxGraphBuilder graph, ISet<string> graphOutputs)
    {
        var nodes = graph.Nodes;
        var producers = new Dictionary<string, OnnxNode>(StringComparer.Ordinal);
        var uses = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            foreach (var output in node.Outputs) producers[output] = node;
            foreach (var input in node.Inputs) uses[input] = uses.GetValueOrDefault(input) + 1;
        }

        int folded = 0;
        var removed = new HashSet<OnnxNode>(ReferenceEqualityComparer.Instance);
        foreach (var bn in nodes)
        {
            if (bn.OpType != "BatchNormalization" || bn.Inputs.Count != 5) continue;
            var x = bn.Inputs[0];
            if (!producers.TryGetValue(x, out var conv) || conv.OpType != "Conv") continue;
            // the Conv's raw output must not be needed elsewhere, and its weights must be ours alone to rewrite
            if (uses.GetValueOrDefault(x) != 1 || graphOutputs.Contains(x)) continue;
            if (!TryGet(graph, conv.Inputs[1], uses, out var weight)) continue;
            OnnxInitializer? bias = null;
            if (conv.Inputs.Count > 2 && conv.Inputs[2].Length > 0 && !TryGet(graph, conv.Inputs[2], uses, out bias)) continue;
            var stats = new OnnxInitializer[4];
            bool constant = true;
            for (int i = 0; i < 4; i++)
                constant &= graph.Initializers.TryGetValue(bn.Inputs[i + 1], out stats[i]!);
            if (!constant) continue;

            float epsilon = bn.Attribute("epsilon")?.FloatValue ?? 1e-5f;
            Span<float> gamma = stats[0].Floats, beta = stats[1].Floats, mean = stats[2].Floats, variance = stats[3].Floats;
            int channels = (int)weight!.Dims[0];
            if (gamma.Length != channels) continue;
            var w = weight.Floats;
            int perChannel = w.Length / channels;
            var newBias = new float[channels];
            for (int c = 0; c < channels; c++)
            {
                // double precision so that folding adds no rounding beyond the final float32 cast
                double scale = gamma[c] / Math.Sqrt((double)variance[c] + epsilon);
                for (int k = c * perChannel; k < (c + 1) * perChannel; k++) w[k] = (float)(w[k] * scale);
                double b = bias != null ? bias.Floats[c] : 0;
                newBias[c] = (float)((b - mean[c]) * scale + beta[c]);
            }
            if (bias != null)
                newBias.AsSpan().CopyTo(bias.Floats);
            else
            {
                var stem = conv.Inputs[1].EndsWith(".weight", StringComparison.Ordinal) ? conv.Inputs[1][..^".weight".Length] : conv.Inputs[1];
                // Constant() prefixes the current module path, which is the root ("") during folding
                var biasName = graph.Constant(stem + ".bias", newBias, channels);
                conv.Inputs.Add(biasName);
            }
            conv.Outputs[0] = bn.Outputs[0];
            removed.Add(bn);
            folded++;
        }
        nodes.RemoveAll(removed.Contains);
        RemoveUnusedInitializers(graph);
        return folded;
    }

    private static bool TryGet(OnnxGraphBuilder graph, string name, Dictionary<string, int> uses, out OnnxInitializer? initializer) =>
        graph.Initializers.TryGetValue(name, out initializer) && uses.GetValueOrDefault(name) == 1 && initializer.ElementType == OnnxElementType.Float;

    private static void RemoveUnusedInitializers(OnnxGraphBuilder graph)
    {
        var used = graph.Nodes.SelectMany(n => n.Inputs).ToHashSet(StringComparer.Ordinal);
        foreach (var name in graph.InitializerOrder.Where(n => !used.Contains(n)).ToList())
        {
            graph.Initializers.Remove(name);
            graph.InitializerOrder.Remove(name);
        }
    }
}

using System.Text.Json;
using ResNet.MLNet.Torch.Modules;

namespace ResNet.MLNet.Tests.Support;

/// <summary>A reference network's parameter count and state-dict keys with shapes, as the Python scripts print them
/// (<c>{"parameters": N, "keys": [[name, [dims...]], ...]}</c>).</summary>
public sealed record ModelStructure(long Parameters, List<(string Key, long[] Shape)> Keys)
{
    /// <summary>Reads one structure object.</summary>
    public static ModelStructure Parse(JsonElement element) => new(
        element.GetProperty("parameters").GetInt64(),
        element.GetProperty("keys").EnumerateArray()
            .Select(k => (k[0].GetString()!, k[1].EnumerateArray().Select(d => d.GetInt64()).ToArray())).ToList());

    /// <summary>Asserts that <paramref name="ours"/> has the same state-dict keys (in order), shapes and parameter count.</summary>
    public void AssertSameAs(Module ours)
    {
        var state = ours.StateDict();
        Assert.Equal(Keys.Select(k => k.Key), state.Select(kv => kv.Key));
        for (int i = 0; i < state.Count; i++)
            Assert.True(Keys[i].Shape.SequenceEqual(state[i].Value.Shape), $"shape of {state[i].Key}");
        Assert.Equal(Parameters, ours.ParameterCount);
    }
}

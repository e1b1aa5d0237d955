using System.Text.Json;
using ResNet.MLNet.Models;
using ResNet.MLNet.Models.Classic;
using ResNet.MLNet.Tests.Support;
using ResNet.MLNet.Torch.Modules;

namespace ResNet.MLNet.Tests.Models;

/// <summary>Runs Python/arch_parity.py and builds our network of the same name.</summary>
internal static class ArchReference
{
    internal sealed record Structure(long Parameters, List<(string Key, long[] Shape)> Keys);

    /// <summary>Our network for a reference name: a classic net of <see cref="ClassicZoo"/> or a zoo ResNet.</summary>
    public static Module Create(string name, int classes, int channels) => name switch
    {
        "lenet5" => ClassicNetBuilder.Build(ClassicZoo.LeNet5(classes, channels)),
        "alexnet" => ClassicNetBuilder.Build(ClassicZoo.AlexNet(classes, channels)),
        "vgg16" => ClassicNetBuilder.Build(ClassicZoo.Vgg16(classes, channels)),
        "alexnet-small" => ClassicNetBuilder.Build(ClassicZoo.AlexNetSmall(classes, channels)),
        "vgg-small" => ClassicNetBuilder.Build(ClassicZoo.VggSmall(classes, channels)),
        _ => ResNetZoo.Create(ResNetZoo.Parse(name), classes, channels),
    };

    /// <summary>Runs the reference script; with <paramref name="batch"/> &gt; 0 it also writes weights and expected outputs to <paramref name="dir"/>.</summary>
    public static Structure Run(string name, int classes, int channels, int batch, int size, string dir)
    {
        var json = PythonReference.Run("arch_parity.py", name, classes.ToString(), channels.ToString(), batch.ToString(), size.ToString(), dir);
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        return new Structure(root.GetProperty("parameters").GetInt64(),
            root.GetProperty("keys").EnumerateArray()
                .Select(k => (k[0].GetString()!, k[1].EnumerateArray().Select(d => d.GetInt64()).ToArray())).ToList());
    }

    /// <summary>Asserts equal state-dict keys (in order), shapes and parameter count.</summary>
    public static void AssertSameStructure(Module ours, Structure reference)
    {
        var state = ours.StateDict();
        Assert.Equal(reference.Keys.Select(k => k.Key), state.Select(kv => kv.Key));
        for (int i = 0; i < state.Count; i++)
            Assert.True(reference.Keys[i].Shape.SequenceEqual(state[i].Value.Shape), $"shape of {state[i].Key}");
        Assert.Equal(reference.Parameters, ours.ParameterCount);
    }
}

using System.Text.Json;
using ResNet.MLNet.Models;
using ResNet.MLNet.Models.Classic;
using ResNet.MLNet.Tests.Support;
using ResNet.MLNet.Torch.Modules;

namespace ResNet.MLNet.Tests.Models;

/// <summary>Runs Python/arch_parity.py and builds our network of the same name.</summary>
internal static class ArchReference
{
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
    public static ModelStructure Run(string name, int classes, int channels, int batch, int size, string dir)
    {
        var json = PythonReference.Run("arch_parity.py", name, classes.ToString(), channels.ToString(), batch.ToString(), size.ToString(), dir);
        using var doc = JsonDocument.Parse(json);
        return ModelStructure.Parse(doc.RootElement);
    }
}

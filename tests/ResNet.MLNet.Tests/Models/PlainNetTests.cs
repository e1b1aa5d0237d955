using ResNet.MLNet.Models;
using ResNet.MLNet.Torch.Modules;

namespace ResNet.MLNet.Tests.Models;

/// <summary>Plain networks are their ResNet twins without shortcuts.</summary>
public class PlainNetTests
{
    private static int MainPathLayers(Module net) =>
        net.NamedModules().Count(m => m.Value is Conv2d or Linear && !m.Key.Contains("downsample"));

    [Theory]
    [InlineData(ResNetArchitecture.Plain20, ResNetArchitecture.ResNet20, 20)]
    [InlineData(ResNetArchitecture.Plain32, ResNetArchitecture.ResNet32, 32)]
    [InlineData(ResNetArchitecture.Plain44, ResNetArchitecture.ResNet44, 44)]
    [InlineData(ResNetArchitecture.Plain56, ResNetArchitecture.ResNet56, 56)]
    [InlineData(ResNetArchitecture.Plain110, ResNetArchitecture.ResNet110, 110)]
    [InlineData(ResNetArchitecture.Plain18, ResNetArchitecture.ResNet18, 18)]
    [InlineData(ResNetArchitecture.Plain34, ResNetArchitecture.ResNet34, 34)]
    public void NoShortcutsAndTheSameLayers(ResNetArchitecture plain, ResNetArchitecture twin, int layers)
    {
        using var p = ResNetZoo.Create(plain);
        using var r = ResNetZoo.Create(twin);
        Assert.True(p.Spec.Plain);
        Assert.DoesNotContain(p.StateDict(), kv => kv.Key.Contains("downsample"));
        Assert.DoesNotContain(p.NamedModules(), m => m.Value is ZeroPadShortcut || m.Key.EndsWith("downsample"));
        Assert.All(p.Stages.SelectMany(s => s.Layers), u => Assert.True(u is ResidualBlock { IsPlain: true }));
        Assert.Equal(layers, p.Spec.WeightedLayers);
        Assert.Equal(r.Spec.WeightedLayers, p.Spec.WeightedLayers);
        Assert.Equal(layers, MainPathLayers(p));
        Assert.Equal(MainPathLayers(r), MainPathLayers(p));
        // Every main-path parameter of the twin, with the same name and shape; only the shortcut parameters are gone.
        var twinMain = r.StateDict().Where(kv => !kv.Key.Contains("downsample")).Select(kv => (kv.Key, string.Join("x", kv.Value.Shape)));
        Assert.Equal(twinMain, p.StateDict().Select(kv => (kv.Key, string.Join("x", kv.Value.Shape))));
        long shortcutParameters = r.NamedParameters().Where(kv => kv.Key.Contains("downsample")).Sum(kv => kv.Value.NumElements);
        Assert.Equal(r.ParameterCount - shortcutParameters, p.ParameterCount);
    }
}

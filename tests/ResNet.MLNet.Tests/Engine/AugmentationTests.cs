using System.Text.Json;
using ResNet.MLNet.Engine;
using ResNet.MLNet.Tests.Support;
using ResNet.MLNet.Torch;

namespace ResNet.MLNet.Tests.Engine;

/// <summary>Random erasing draws rectangles as torchvision's <c>RandomErasing</c> does (statistics computed by
/// torchvision at test time), erases whole rectangles in every channel, and is seeded.</summary>
public class AugmentationTests
{
    private const int H = 28, W = 28, Images = 4000;

    private sealed record Stats(double Erased, double MeanArea, double MeanLogRatio, double LargeShare);

    private static float[] Erase(int seed, double probability, int channels = 2)
    {
        using var scope = TensorScope.Begin();
        var augmenter = new BatchAugmenter(new AugmentationOptions { RandomErasing = probability }, new Random(seed));
        return augmenter.Apply(Tensor.Ones(new long[] { Images, channels, H, W })).ToArray<float>();
    }

    /// <summary>The erased rectangle of image <paramref name="i"/> (channel 0), after checking that the zeros form a
    /// filled rectangle and every channel has the same ones; null when nothing was erased.</summary>
    private static (int Height, int Width, int Count)? Rectangle(float[] values, int i, int channels)
    {
        int plane = H * W;
        int top = H, bottom = -1, left = W, right = -1, count = 0;
        for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
        {
            float v = values[(i * channels) * plane + y * W + x];
            for (int c = 1; c < channels; c++)
                Assert.Equal(v, values[(i * channels + c) * plane + y * W + x]);
            Assert.True(v is 0f or 1f, $"image {i} has value {v} at ({y}, {x})");
            if (v != 0) continue;
            count++;
            (top, bottom, left, right) = (Math.Min(top, y), Math.Max(bottom, y), Math.Min(left, x), Math.Max(right, x));
        }
        if (count == 0) return null;
        int h = bottom - top + 1, w = right - left + 1;
        Assert.True(h * w == count, $"image {i}: {count} zeros do not fill their {h}x{w} bounding box");
        return (h, w, count);
    }

    [Fact]
    public void ErasingMatchesTorchvisionStatistics()
    {
        var expected = JsonSerializer.Deserialize<Stats>(
            PythonReference.Run("random_erasing.py", $"{H}", $"{W}", $"{Images}", "0.5", "1"),
            new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!;
        var values = Erase(seed: 3, probability: 0.5);
        var rects = Enumerable.Range(0, Images).Select(i => Rectangle(values, i, 2)).Where(r => r != null).Select(r => r!.Value).ToArray();
        var actual = new Stats(
            (double)rects.Length / Images,
            rects.Average(r => (double)r.Count / (H * W)),
            rects.Average(r => Math.Log((double)r.Height / r.Width)),
            rects.Count(r => (double)r.Count / (H * W) > 0.2) / (double)rects.Length);
        // Two independent samples of 4,000 (about 2,000 erased): a few standard errors apart at most.
        Assert.True(Math.Abs(actual.Erased - expected.Erased) < 0.035, $"erased share {actual.Erased:F3} vs torchvision {expected.Erased:F3}");
        Assert.True(Math.Abs(actual.MeanArea - expected.MeanArea) < 0.012, $"mean area {actual.MeanArea:F4} vs torchvision {expected.MeanArea:F4}");
        Assert.True(Math.Abs(actual.MeanLogRatio - expected.MeanLogRatio) < 0.08, $"mean log ratio {actual.MeanLogRatio:F3} vs torchvision {expected.MeanLogRatio:F3}");
        Assert.True(Math.Abs(actual.LargeShare - expected.LargeShare) < 0.05, $"share above 20 % {actual.LargeShare:F3} vs torchvision {expected.LargeShare:F3}");
    }

    [Fact]
    public void ErasingIsSeededAndProbabilityOneErasesWhereARectangleFits()
    {
        Assert.Equal(Erase(seed: 5, probability: 0.5, channels: 1), Erase(seed: 5, probability: 0.5, channels: 1));
        var always = Erase(seed: 5, probability: 1, channels: 1);
        int erased = Enumerable.Range(0, Images).Count(i => Rectangle(always, i, 1) != null);
        // Only ten failed draws in a row leave an image untouched (tall or wide rectangles over 28 px): rare.
        Assert.True(erased > Images * 0.97, $"probability 1 erased only {erased} of {Images} images");
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void ErasingProbabilityOutsideZeroToOneIsRefused(double probability)
    {
        var e = Assert.Throws<ArgumentException>(() => new TrainerOptions { Augmentation = new AugmentationOptions { RandomErasing = probability } }.Validate());
        Assert.Contains("RandomErasing", e.Message);
    }
}

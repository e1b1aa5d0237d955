using ResNet.MLNet.Torch;

namespace ResNet.MLNet.Engine;

/// <summary>
/// Applies <see cref="AugmentationOptions"/> to a whole batch on the batch's device: a zero-padded random crop per
/// image, a random horizontal flip and random erasing. Random choices come from a host generator seeded by the caller (per epoch),
/// so they need no device round trip and a resumed run repeats them.
/// </summary>
public sealed class BatchAugmenter
{
    private readonly AugmentationOptions _options;
    private readonly Random _random;

    /// <summary>Creates the augmenter drawing from <paramref name="random"/>.</summary>
    public BatchAugmenter(AugmentationOptions options, Random random) => (_options, _random) = (options, random);

    /// <summary>The augmented batch (a new tensor in the current scope; <paramref name="images"/> itself when disabled).</summary>
    public Tensor Apply(Tensor images)
    {
        var x = images;
        if (_options.RandomCropPadding > 0) x = RandomCrop(x, _options.RandomCropPadding);
        if (_options.HorizontalFlip) x = RandomFlip(x);
        if (_options.RandomErasing > 0) x = RandomErase(x, _options.RandomErasing);
        return x;
    }

    private Tensor RandomCrop(Tensor images, int padding)
    {
        var shape = images.Shape;
        long n = shape[0], h = shape[2], w = shape[3];
        var padded = images.Pad(new long[] { padding, padding, padding, padding });
        var crops = new Tensor[n];
        for (long i = 0; i < n; i++)
        {
            int dy = _random.Next(2 * padding + 1), dx = _random.Next(2 * padding + 1);
            crops[i] = padded.Slice(0, i, i + 1).Slice(2, dy, dy + h).Slice(3, dx, dx + w);
        }
        return Tensor.Cat(crops, 0);
    }

    private Tensor RandomFlip(Tensor images)
    {
        long n = images.Shape[0];
        var flags = new bool[n];
        for (int i = 0; i < n; i++) flags[i] = _random.Next(2) == 1;
        var mask = Tensor.FromSpan<bool>(flags, new[] { n, 1, 1, 1 }, images.Device);
        return Tensor.Where(mask, images.Flip(3), images);
    }

    /// <summary>
    /// Zeroes one random rectangle per chosen image through a 0/1 mask of shape [N, 1, H, W] drawn on the host:
    /// torchvision's RandomErasing rule (area 2–33 %, log-uniform aspect ratio 0.3–3.3, up to 10 tries to fit).
    /// </summary>
    private Tensor RandomErase(Tensor images, double probability)
    {
        var shape = images.Shape;
        int n = (int)shape[0], h = (int)shape[2], w = (int)shape[3];
        var mask = new float[n * h * w];
        Array.Fill(mask, 1f);
        for (int i = 0; i < n; i++)
        {
            if (_random.NextDouble() >= probability) continue;
            if (ErasedRectangle(h, w) is not var (top, left, eh, ew)) continue;
            for (int y = top; y < top + eh; y++) Array.Fill(mask, 0f, (i * h + y) * w + left, ew);
        }
        var m = Tensor.FromSpan<float>(mask, new long[] { n, 1, h, w }, images.Device);
        return images * m;
    }

    /// <summary>A rectangle (top, left, height, width) inside an <paramref name="h"/>×<paramref name="w"/> image, or
    /// null when ten draws did not fit.</summary>
    private (int Top, int Left, int Height, int Width)? ErasedRectangle(int h, int w)
    {
        const double minArea = 0.02, maxArea = 0.33, minRatio = 0.3, maxRatio = 3.3;
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double area = h * w * (minArea + (maxArea - minArea) * _random.NextDouble());
            double ratio = Math.Exp(Math.Log(minRatio) + (Math.Log(maxRatio) - Math.Log(minRatio)) * _random.NextDouble());
            int eh = (int)Math.Round(Math.Sqrt(area * ratio)), ew = (int)Math.Round(Math.Sqrt(area / ratio));
            if (eh < 1 || ew < 1 || eh >= h || ew >= w) continue;
            return (_random.Next(h - eh + 1), _random.Next(w - ew + 1), eh, ew);
        }
        return null;
    }
}

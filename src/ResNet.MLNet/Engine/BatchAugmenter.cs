using ResNet.MLNet.Torch;

namespace ResNet.MLNet.Engine;

/// <summary>
/// Applies <see cref="AugmentationOptions"/> to a whole batch on the batch's device: a zero-padded random crop per
/// image and a random horizontal flip. Random choices come from a host generator seeded by the caller (per epoch),
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
}

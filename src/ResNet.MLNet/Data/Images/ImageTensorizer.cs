using Microsoft.ML.Transforms.Image;

namespace ResNet.MLNet.Data.Images;

/// <summary>
/// Resizes (bilinear) and normalises a <see cref="DecodedImage"/> into planar floats (C, H, W), as
/// <see cref="ImagePreprocessing"/> describes. Stateless and thread-safe.
/// </summary>
public static class ImageTensorizer
{
    /// <summary>Writes the preprocessed image into <paramref name="destination"/> (exactly C·H·W floats).</summary>
    public static void Write(DecodedImage image, ImagePreprocessing p, Span<float> destination)
    {
        if (destination.Length != p.ValuesPerImage)
            throw new ArgumentException($"destination holds {destination.Length} floats, the image needs {p.ValuesPerImage}");
        if (image.Channels != p.Channels)
            throw new ArgumentException($"image has {image.Channels} channels, preprocessing expects {p.Channels}");
        var (scaleX, offsetX, scaleY, offsetY) = Geometry(image.Width, image.Height, p.Width, p.Height, p.Resizing);
        var xs = Taps(p.Width, image.Width, scaleX, offsetX);
        var ys = Taps(p.Height, image.Height, scaleY, offsetY);
        float[] mean = p.EffectiveMean, std = p.EffectiveStd;
        int c = p.Channels, sw = image.Width;
        var src = image.Pixels;
        for (int ch = 0; ch < c; ch++)
        {
            float scale = 1f / (255f * std[ch]), shift = -mean[ch] / std[ch];
            var plane = destination.Slice(ch * p.Height * p.Width, p.Height * p.Width);
            for (int y = 0; y < p.Height; y++)
            {
                var row = plane.Slice(y * p.Width, p.Width);
                var ty = ys[y];
                if (ty.Outside) { row.Fill(shift); continue; }
                int r0 = ty.I0 * sw, r1 = ty.I1 * sw;
                for (int x = 0; x < p.Width; x++)
                {
                    var tx = xs[x];
                    if (tx.Outside) { row[x] = shift; continue; }
                    float top = src[(r0 + tx.I0) * c + ch] * (1 - tx.W) + src[(r0 + tx.I1) * c + ch] * tx.W;
                    float bottom = src[(r1 + tx.I0) * c + ch] * (1 - tx.W) + src[(r1 + tx.I1) * c + ch] * tx.W;
                    row[x] = (top * (1 - ty.W) + bottom * ty.W) * scale + shift;
                }
            }
        }
    }

    /// <summary>Output-to-source mapping per axis: source = (out + 0.5 − offset) / scale − 0.5.</summary>
    private static (double ScaleX, double OffsetX, double ScaleY, double OffsetY) Geometry(int sw, int sh, int tw, int th, ImageResizingEstimator.ResizingKind kind)
    {
        switch (kind)
        {
            case ImageResizingEstimator.ResizingKind.Fill:
                return ((double)tw / sw, 0, (double)th / sh, 0);
            case ImageResizingEstimator.ResizingKind.IsoCrop:
            {
                double s = Math.Max((double)tw / sw, (double)th / sh);
                return (s, (tw - sw * s) / 2, s, (th - sh * s) / 2);
            }
            case ImageResizingEstimator.ResizingKind.IsoPad:
            {
                double s = Math.Min((double)tw / sw, (double)th / sh);
                return (s, (tw - sw * s) / 2, s, (th - sh * s) / 2);
            }
            default: throw new ArgumentException($"unknown resizing kind {kind}");
        }
    }

    private readonly record struct Tap(int I0, int I1, float W, bool Outside);

    private static Tap[] Taps(int outSize, int srcSize, double scale, double offset)
    {
        var taps = new Tap[outSize];
        double extentEnd = offset + srcSize * scale;
        for (int o = 0; o < outSize; o++)
        {
            double centre = o + 0.5;
            if (centre < offset - 1e-9 || centre > extentEnd + 1e-9) { taps[o] = new Tap(0, 0, 0, true); continue; }
            double s = Math.Clamp((centre - offset) / scale - 0.5, 0, srcSize - 1);
            int i0 = (int)Math.Floor(s);
            int i1 = Math.Min(i0 + 1, srcSize - 1);
            taps[o] = new Tap(i0, i1, (float)(s - i0), false);
        }
        return taps;
    }
}

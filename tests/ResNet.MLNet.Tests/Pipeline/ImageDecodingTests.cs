using Microsoft.ML.Transforms.Image;
using ResNet.MLNet.Data.Images;
using ResNet.MLNet.Tests.Support;

namespace ResNet.MLNet.Tests.Pipeline;

/// <summary>Native JPEG/PNG decoding against PIL, and resize + normalisation against torch's bilinear interpolate.</summary>
[Collection("Pipeline")]
public class ImageDecodingTests(PipelineFixture fixture)
{
    public static TheoryData<string, int> Images => new()
    {
        { "0000.png", 1 }, { "0001.png", 3 }, { "0001.png", 1 }, { "0002.jpg", 1 }, { "0003.jpg", 3 },
    };

    [Theory]
    [MemberData(nameof(Images))]
    public void DecodingAndFillResizeMatchPilAndTorch(string name, int channels)
    {
        var path = Path.Combine(fixture.TrainFolder, "Sneaker", name);
        using var dir = new TempDir();
        const int width = 40, height = 30;
        var size = PythonReference.Run("image_reference.py", path, channels.ToString(), width.ToString(), height.ToString(),
            dir.File("pixels.bin"), dir.File("tensor.bin")).Trim().Split(' ').Select(int.Parse).ToArray();
        var image = ImageDecoder.DecodeFile(path, channels);
        Assert.Equal(size, new[] { image.Width, image.Height });
        var expectedPixels = File.ReadAllBytes(dir.File("pixels.bin"));
        Assert.Equal(expectedPixels.Length, image.Pixels.Length);
        // PNG is lossless and must match exactly; JPEG decoders may round the IDCT/colour conversion differently by one level
        // (gray-to-RGB and RGB-to-gray conversions likewise).
        int tolerance = name.EndsWith(".png") && image.Channels == ChannelsStored(name) ? 0 : 2;
        for (int i = 0; i < expectedPixels.Length; i++)
            Assert.True(Math.Abs(expectedPixels[i] - image.Pixels[i]) <= tolerance, $"pixel {i}: PIL {expectedPixels[i]}, ours {image.Pixels[i]}");

        // Resize the reference's own pixels, so the comparison isolates resizing and normalisation.
        var reference = image with { Pixels = expectedPixels };
        var p = new ImagePreprocessing { Width = width, Height = height, Channels = channels, Resizing = ImageResizingEstimator.ResizingKind.Fill };
        var ours = new float[p.ValuesPerImage];
        ImageTensorizer.Write(reference, p, ours);
        var expected = new float[ours.Length];
        Buffer.BlockCopy(File.ReadAllBytes(dir.File("tensor.bin")), 0, expected, 0, expected.Length * 4);
        for (int i = 0; i < ours.Length; i++) Assert.True(Math.Abs(expected[i] - ours[i]) <= 1e-4, $"value {i}: torch {expected[i]}, ours {ours[i]}");
    }

    private static int ChannelsStored(string name) => name is "0000.png" ? 1 : 3;

    [Fact]
    public void IsoCropAndIsoPadKeepTheAspectRatio()
    {
        // A 4x2 gray image: left half black, right half white.
        var image = new DecodedImage(new byte[] { 0, 0, 255, 255, 0, 0, 255, 255 }, 4, 2, 1);
        var p = new ImagePreprocessing { Width = 2, Height = 2, Channels = 1, Mean = new[] { 0f }, Std = new[] { 1f } };
        var crop = new float[4];
        ImageTensorizer.Write(image, p with { Resizing = ImageResizingEstimator.ResizingKind.IsoCrop }, crop);
        // Scale 1, centre crop: columns 1 and 2 remain, black then white.
        Assert.Equal(new[] { 0f, 1f, 0f, 1f }, crop);
        // Padding: a white 4x2 image fitted into 4x4 keeps its size and sits in rows 1-2; rows 0 and 3 are black.
        var white = new DecodedImage(Enumerable.Repeat((byte)255, 8).ToArray(), 4, 2, 1);
        var pad = new float[16];
        ImageTensorizer.Write(white, p with { Width = 4, Height = 4, Resizing = ImageResizingEstimator.ResizingKind.IsoPad }, pad);
        Assert.Equal(new[] { 0f, 0f, 0f, 0f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 0f, 0f, 0f, 0f }, pad);
    }
}

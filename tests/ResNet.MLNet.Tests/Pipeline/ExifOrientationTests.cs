using ResNet.MLNet.Data.Images;
using ResNet.MLNet.Tests.Support;

namespace ResNet.MLNet.Tests.Pipeline;

/// <summary>JPEGs are turned upright by their EXIF orientation, as PIL's ImageOps.exif_transpose does.</summary>
[Collection("Pipeline")]
public class ExifOrientationTests(PipelineFixture fixture)
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(6)]
    [InlineData(8)]
    [InlineData(5)]
    public void OrientedJpegsMatchExifTranspose(int orientation)
    {
        using var dir = new TempDir();
        var source = Path.Combine(fixture.TrainFolder, "Trouser", "0001.png");
        var size = PythonReference.Run("exif_reference.py", source, orientation.ToString(), dir.File("o.jpg"), dir.File("upright.bin"))
            .Trim().Split(' ').Select(int.Parse).ToArray();
        Assert.Equal(orientation, ExifOrientation.Read(File.ReadAllBytes(dir.File("o.jpg"))));
        var image = ImageDecoder.DecodeFile(dir.File("o.jpg"), 3);
        Assert.Equal(size, new[] { image.Width, image.Height });
        var expected = File.ReadAllBytes(dir.File("upright.bin"));
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - image.Pixels[i]) <= 2, $"byte {i}: PIL {expected[i]}, ours {image.Pixels[i]}");
    }
}

using System.IO.Compression;
using ResNet.MLNet.Data.Idx;
using ResNet.MLNet.Tests.Support;

namespace ResNet.MLNet.Tests.Data.Idx;

/// <summary>The IDX reader on the real Fashion-MNIST files and on damaged copies of them.</summary>
public class IdxReaderTests
{
    private static string Real(string name) => Path.Combine(FashionMnist.DefaultDirectory, name + ".gz");

    private static byte[] Unzipped(string path)
    {
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var memory = new MemoryStream();
        gz.CopyTo(memory);
        return memory.ToArray();
    }

    [Fact]
    public void ReadsTheDebianFilesGzippedAndPlain()
    {
        var labels = IdxReader.Read(Real("t10k-labels-idx1-ubyte"));
        Assert.Equal(new[] { 10000 }, labels.Shape);
        using var dir = new TempDir();
        var plain = dir.File("t10k-labels-idx1-ubyte");
        File.WriteAllBytes(plain, Unzipped(Real("t10k-labels-idx1-ubyte")));
        Assert.Equal(labels.Data, IdxReader.Read(plain).Data);
        // The file's own first label bytes, read past the 8-byte header: the reader must return exactly those.
        Assert.Equal(File.ReadAllBytes(plain).Skip(8).Take(20), labels.Data.Take(20));
    }

    [Fact]
    public void TruncatedFileIsNamedWithWhatIsMissing()
    {
        using var dir = new TempDir();
        var bytes = Unzipped(Real("t10k-images-idx3-ubyte"));
        var path = dir.File("cut-images-idx3-ubyte");
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<ResNet.MLNet.InvalidInputException>(() => IdxReader.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.Contains("[10000, 28, 28]", e.Message);

        var gz = dir.File("cut-images-idx3-ubyte.gz");
        var zipped = File.ReadAllBytes(Real("t10k-images-idx3-ubyte"));
        File.WriteAllBytes(gz, zipped[..(zipped.Length / 3)]);
        var e2 = Assert.ThrowsAny<ResNet.MLNet.InvalidInputException>(() => IdxReader.Read(gz));
        Assert.Contains(gz, e2.Message);
    }

    [Fact]
    public void MissingAndMismatchedFilesAreNamed()
    {
        using var dir = new TempDir();
        var missing = Assert.Throws<FileNotFoundException>(() => FashionMnist.Load(FashionMnist.Split.Test, dir.Path));
        Assert.Contains("t10k-images-idx3-ubyte", missing.Message);
        Assert.Contains("dataset-fashion-mnist", missing.Message);

        // Test images with training labels: 10,000 images, 60,000 labels.
        File.Copy(Real("t10k-images-idx3-ubyte"), dir.File("t10k-images-idx3-ubyte.gz"));
        File.Copy(Real("train-labels-idx1-ubyte"), dir.File("t10k-labels-idx1-ubyte.gz"));
        var mismatch = Assert.Throws<ResNet.MLNet.InvalidInputException>(() => FashionMnist.Load(FashionMnist.Split.Test, dir.Path));
        Assert.Contains("60000 labels", mismatch.Message);
        Assert.Contains("10000 images", mismatch.Message);
    }

    [Fact]
    public void NotAnIdxFileIsNamed()
    {
        using var dir = new TempDir();
        var path = dir.File("notes.txt");
        File.WriteAllText(path, "hello, world");
        var e = Assert.Throws<ResNet.MLNet.InvalidInputException>(() => IdxReader.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("not an IDX file", e.Message);
    }
}

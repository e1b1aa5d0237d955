using ResNet.MLNet.Data.Idx;
using ResNet.MLNet.Data.Images;
using ResNet.MLNet.Tests.Support;

namespace ResNet.MLNet.Tests.Pipeline;

/// <summary>Folder, CSV/TSV, in-memory, IDX and CIFAR-10 sources, and the seeded train/test split.</summary>
[Collection("Pipeline")]
public class DataSourceTests(PipelineFixture fixture)
{
    private MLContext Ml => fixture.Context;

    private sealed class Row
    {
        public string? ImagePath { get; set; }
        public string? Label { get; set; }
    }

    [Fact]
    public void FolderViewListsEveryImageWithItsFolderAsLabel()
    {
        var rows = Ml.Data.CreateEnumerable<Row>(Ml.Data.LoadImagesFromDirectory(fixture.TestFolder)).ToList();
        Assert.Equal(4 * PipelineFixture.TestPerClass, rows.Count);
        Assert.All(rows, r => Assert.Equal(Path.GetFileName(Path.GetDirectoryName(r.ImagePath)), r.Label));
        // image_folder.py writes image n as PNG when n % 4 < 2, else as JPEG.
        Assert.Equal(4 * Enumerable.Range(0, PipelineFixture.TestPerClass).Count(n => n % 4 < 2), rows.Count(r => r.ImagePath!.EndsWith(".png")));
    }

    [Theory]
    [InlineData("data.csv", ',')]
    [InlineData("data.tsv", '\t')]
    public void TextFilesResolveRelativePathsAndScore(string name, char separator)
    {
        using var dir = new TempDir();
        var files = Data.Sources.ImageFolderSource.ListImages(fixture.TestFolder).Take(6).ToList();
        Directory.CreateDirectory(dir.File("img"));
        var lines = new List<string> { $"Id{separator}ImagePath{separator}Label" };
        for (int i = 0; i < files.Count; i++)
        {
            var local = Path.Combine("img", $"{i}{Path.GetExtension(files[i])}");
            File.Copy(files[i], dir.File(local));
            lines.Add($"{i}{separator}{local}{separator}\"{Path.GetFileName(Path.GetDirectoryName(files[i]))}\"");
        }
        File.WriteAllLines(dir.File(name), lines);
        var view = Ml.Data.LoadFromTextFile(dir.File(name));
        Assert.Equal(new[] { "Id", "ImagePath", "Label" }, view.Schema.Select(c => c.Name));
        var rows = Ml.Data.CreateEnumerable<Row>(view).ToList();
        Assert.Equal(dir.File(Path.Combine("img", "0" + Path.GetExtension(files[0]))), rows[0].ImagePath);
        var fromCsv = Ml.Data.CreateEnumerable<ImagePrediction>(fixture.Model.Transform(view)).ToList();
        var fromFolder = Ml.Data.CreateEnumerable<ImagePrediction>(fixture.Model.Transform(
            Ml.Data.LoadFromEnumerable(files.Select(f => new ImageInput { ImagePath = f }).ToList()))).ToList();
        for (int i = 0; i < files.Count; i++) Assert.Equal(fromFolder[i].Score, fromCsv[i].Score);
    }

    private sealed class BytesRow
    {
        public byte[] ImageBytes { get; set; } = Array.Empty<byte>();
    }

    [Fact]
    public void InMemoryBytesScoreLikeTheirFiles()
    {
        var files = Data.Sources.ImageFolderSource.ListImages(fixture.TestFolder).Take(5).ToList();
        var classifier = fixture.Classifier;
        var fromPaths = classifier.PredictProbabilities(files.Cast<object?>().ToList());
        var fromBytes = classifier.PredictProbabilities(files.Select(f => (object?)File.ReadAllBytes(f)).ToList());
        Assert.Equal(fromPaths, fromBytes);
        var view = Ml.Data.LoadFromEnumerable(files.Select(f => new BytesRow { ImageBytes = File.ReadAllBytes(f) }).ToList());
        Assert.Equal(typeof(byte[]), view.Schema["ImageBytes"].Type);
        Assert.Equal(5, view.GetRowCount());
    }

    [Fact]
    public void TrainTestSplitIsSeededAndDisjoint()
    {
        var data = Ml.Data.LoadImagesFromDirectory(fixture.TrainFolder);
        var a = Ml.Data.TrainTestSplit(data, testFraction: 0.25, seed: 7);
        var b = Ml.Data.TrainTestSplit(data, testFraction: 0.25, seed: 7);
        var c = Ml.Data.TrainTestSplit(data, testFraction: 0.25, seed: 8);
        List<string> Paths(IDataView v) => Ml.Data.CreateEnumerable<Row>(v).Select(r => r.ImagePath!).ToList();
        var test = Paths(a.TestSet);
        var train = Paths(a.TrainSet);
        Assert.Equal(PipelineFixture.TrainPerClass, test.Count);
        Assert.Equal(3 * PipelineFixture.TrainPerClass, train.Count);
        Assert.Empty(test.Intersect(train));
        Assert.Equal(test, Paths(b.TestSet));
        Assert.NotEqual(test, Paths(c.TestSet));
    }

    [Fact]
    public void IdxViewHoldsTheFashionMnistImages()
    {
        var dirPath = FashionMnist.DefaultDirectory;
        string Find(string stem) => new[] { stem, stem + ".gz" }.Select(n => Path.Combine(dirPath, n)).First(File.Exists);
        var images = Find("t10k-images-idx3-ubyte");
        var view = Ml.Data.LoadFromIdx(images, Find("t10k-labels-idx1-ubyte"), FashionMnist.ClassNames);
        Assert.Equal(10000, view.GetRowCount());
        var raw = IdxReader.Read(images);
        using var cursor = view.GetRowCursor();
        for (int i = 0; i < 3 && cursor.MoveNext(); i++)
        {
            var image = cursor.GetValue<DecodedImage>("Image");
            Assert.Equal((28, 28, 1), (image.Width, image.Height, image.Channels));
            Assert.Equal(raw.Data.AsSpan(i * 784, 784).ToArray(), image.Pixels);
        }
        Assert.Equal("Ankle boot", Ml.Data.CreateEnumerable<Row>(view).First().Label); // the first t10k label is 9
    }

    [Fact]
    public void Cifar10RecordsBecomeInterleavedRgbImages()
    {
        using var dir = new TempDir();
        var record = new byte[3073];
        record[0] = 3;
        for (int i = 0; i < 3072; i++) record[1 + i] = (byte)(i / 1024 * 100 + i % 7);
        File.WriteAllBytes(dir.File("batch.bin"), record.Concat(record).ToArray());
        var view = Ml.Data.LoadFromCifar10(dir.File("batch.bin"));
        Assert.Equal(2, view.GetRowCount());
        using var cursor = view.GetRowCursor();
        Assert.True(cursor.MoveNext());
        var image = cursor.GetValue<DecodedImage>("Image");
        Assert.Equal("cat", cursor.GetValue<string>("Label"));
        // Pixel 5: R = plane 0, G = plane 1, B = plane 2 of the record.
        Assert.Equal(new[] { record[1 + 5], record[1 + 1024 + 5], record[1 + 2048 + 5] }, image.Pixels.AsSpan(15, 3).ToArray());
        File.WriteAllBytes(dir.File("bad.bin"), new byte[100]);
        var e = Assert.Throws<InvalidDataException>(() => Ml.Data.LoadFromCifar10(dir.File("bad.bin")));
        Assert.Contains(dir.File("bad.bin"), e.Message);
    }
}

using System.IO.Compression;
using Microsoft.ML;
using Microsoft.ML.Data;
using ResNet.MLNet.Tests.Support;

namespace ResNet.MLNet.Tests.Pipeline;

/// <summary>Every documented bad input fails with a message naming the file, row or column at fault, and the
/// process goes on.</summary>
[Collection("Pipeline")]
public class BadInputTests(PipelineFixture fixture)
{
    /// <summary>A small two-class folder (copies of real images) for quick fits, plus room for bad files.</summary>
    private string SmallFolder(TempDir dir, int perClass = 6)
    {
        var root = dir.File("data");
        foreach (var cls in new[] { "Bag", "Trouser" })
        {
            Directory.CreateDirectory(Path.Combine(root, cls));
            foreach (var f in Directory.GetFiles(Path.Combine(fixture.TrainFolder, cls)).Order().Take(perClass))
                File.Copy(f, Path.Combine(root, cls, Path.GetFileName(f)));
        }
        return root;
    }

    private static TransformerChain<Microsoft.ML.Transforms.KeyToValueMappingTransformer> Fit(MLContext ml, IDataView data, ResNetClassifierOptions? options = null) =>
        PipelineFixture.Pipeline(ml, options ?? PipelineFixture.Options(epochs: 1, imageSize: 8)).Fit(data);

    public static TheoryData<string, byte[]> BadImages => new()
    {
        { "corrupt.jpg", new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4, 5, 6, 7, 8 } },
        { "empty.png", Array.Empty<byte>() },
        { "text.png", "this is not an image"u8.ToArray() },
        { "unsupported.tif", new byte[] { 0x49, 0x49, 0x2A, 0x00, 8, 0, 0, 0, 0, 0 } },
    };

    [Theory]
    [MemberData(nameof(BadImages))]
    public void UndecodableImageIsNamedOrSkipped(string name, byte[] bytes)
    {
        using var dir = new TempDir();
        var root = SmallFolder(dir);
        var bad = Path.Combine(root, "Bag", name);
        File.WriteAllBytes(bad, bytes);
        var ml = new MLContext(1);
        var e = Assert.Throws<InvalidDataException>(() => Fit(ml, ml.Data.LoadImagesFromDirectory(root)));
        Assert.Contains(bad, e.Message);
        Assert.Contains("row ", e.Message);

        var model = Fit(ml, ml.Data.LoadImagesFromDirectory(root), PipelineFixture.Options(epochs: 1, imageSize: 8) with { SkipUndecodableImages = true });
        var classifier = model.OfType<ResNetClassifierTransformer>().Single();
        Assert.Contains(bad, Assert.Single(classifier.SkippedImages).Source);
    }

    [Fact]
    public void MissingFileInACsvIsNamed()
    {
        using var dir = new TempDir();
        var root = SmallFolder(dir);
        var csv = dir.File("list.csv");
        var missing = Path.Combine(root, "Bag", "gone.png");
        File.WriteAllLines(csv, new[] { "ImagePath,Label" }.Concat(ResNet.MLNet.Data.Sources.ImageFolderSource.ListImages(root).Select(f => $"{f},{Path.GetFileName(Path.GetDirectoryName(f))}"))
            .Append($"{missing},Bag"));
        var ml = new MLContext(1);
        var view = ml.Data.LoadFromTextFile(csv, new[] { new TextLoader.Column("ImagePath", DataKind.String, 0), new TextLoader.Column("Label", DataKind.String, 1) },
            separatorChar: ',', hasHeader: true);
        var e = Assert.Throws<InvalidDataException>(() => Fit(ml, view));
        Assert.Contains(missing, e.Message);
        Assert.Contains("row 13", e.Message);
    }

    [Fact]
    public void MissingOrUnkeyedLabelAndImageColumnsAreNamed()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadImagesFromDirectory(fixture.TestFolder);
        var noLabel = ml.Transforms.ResNetClassifier(PipelineFixture.Options(1) with { LabelColumnName = "Class" });
        Assert.Contains("'Class'", Assert.Throws<ArgumentException>(() => noLabel.Fit(data)).Message);
        var unkeyed = Assert.Throws<ArgumentException>(() => ml.Transforms.ResNetClassifier(PipelineFixture.Options(1)).Fit(data));
        Assert.Contains("MapValueToKey(\"Label\")", unkeyed.Message);
        // The same checks when a chain asks for the output schema before fitting.
        var chain = ml.Transforms.ResNetClassifier(PipelineFixture.Options(1)).Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        Assert.Contains("MapValueToKey", Assert.Throws<ArgumentException>(() => chain.Fit(data)).Message);
        var noImage = PipelineFixture.Pipeline(ml, PipelineFixture.Options(1) with { ImageColumnName = "Photo" });
        Assert.Contains("'Photo'", Assert.ThrowsAny<ArgumentException>(() => noImage.Fit(data)).Message);
    }

    [Fact]
    public void VectorOfTheWrongLengthNamesTheShape()
    {
        var ml = new MLContext(1);
        var (images, labels) = ResNet.MLNet.Data.Idx.FashionMnist.Files(ResNet.MLNet.Data.Idx.FashionMnist.Split.Test);
        var idx = ml.Data.TakeRows(ml.Data.LoadFromIdx(images, labels), 50);
        var e = Assert.Throws<ArgumentException>(() => Fit(ml, idx, PipelineFixture.Options(1, imageSize: 32) with { ImageColumnName = "Image" }));
        Assert.Contains("1x32x32 = 1024", e.Message);
        Assert.Contains("'Image'", e.Message);
    }

    [Fact]
    public void EmptyViewAndSingleClassAreRefused()
    {
        var ml = new MLContext(1);
        var empty = ml.Transforms.Conversion.MapValueToKey("Label").Fit(fixture.Test).Transform(ml.Data.LoadFromEnumerable(new List<ResNet.MLNet.Data.Sources.ImageFolderSource.Row>()));
        var classifier = ml.Transforms.ResNetClassifier(PipelineFixture.Options(1, imageSize: 8));
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => classifier.Fit(empty)).Message);
        using var dir = new TempDir();
        var root = SmallFolder(dir);
        Directory.Delete(Path.Combine(root, "Trouser"), recursive: true);
        var e = Assert.Throws<ArgumentException>(() => Fit(ml, ml.Data.LoadImagesFromDirectory(root)));
        Assert.Contains("single class ('Bag')", e.Message);
    }

    [Fact]
    public void TruncatedOrTamperedModelZipIsRefusedAndTheProcessGoesOn()
    {
        using var dir = new TempDir();
        var ml = new MLContext(1);
        var path = dir.File("m.zip");
        ml.Model.Save(fixture.Model, fixture.Test.Schema, path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(dir.File("truncated.zip"), bytes[..(bytes.Length / 2)]);
        Assert.ThrowsAny<Exception>(() => ml.Model.Load(dir.File("truncated.zip"), out _));
        // Tampered ONNX bytes inside an otherwise valid zip: the entry holding the network is overwritten with noise.
        File.Copy(path, dir.File("tampered.zip"));
        using (var zip = ZipFile.Open(dir.File("tampered.zip"), ZipArchiveMode.Update))
        {
            var entry = zip.Entries.OrderByDescending(e => e.Length).First();
            var name = entry.FullName;
            entry.Delete();
            using var s = zip.CreateEntry(name).Open();
            s.Write(new byte[4096].Select((_, i) => (byte)(i * 7)).ToArray());
        }
        Assert.ThrowsAny<Exception>(() => ml.Model.Load(dir.File("tampered.zip"), out _).Transform(fixture.Test).Preview());
        // The original still loads and scores.
        Assert.Equal(4 * PipelineFixture.TestPerClass, PipelineFixture.Predictions(ml, ml.Model.Load(path, out _).Transform(fixture.Test)).Count);
    }
}

using System.IO.Compression;
using ResNet.MLNet.Data.Images;
using ResNet.MLNet.Tests.Support;

namespace ResNet.MLNet.Tests.Pipeline;

/// <summary>Every documented bad input fails with a message naming the file, row or column at fault.</summary>
[Collection("Pipeline")]
public class BadInputTests(PipelineFixture fixture)
{
    private MLContext Ml => fixture.Context;

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

    private string AJpeg => Directory.GetFiles(Path.Combine(fixture.TrainFolder, "Bag"), "*.jpg").Order().First();

    private static EstimatorChain<KeyToValueMappingTransformer> Quick(MLContext ml, bool skip = false) => PipelineFixture.Pipeline(ml, epochs: 1, skip, imageSize: 8);

    [Fact]
    public void CorruptJpegIsNamed()
    {
        using var dir = new TempDir();
        var bytes = File.ReadAllBytes(AJpeg);
        var truncated = dir.File("truncated.jpg");
        File.WriteAllBytes(truncated, bytes.AsSpan(0, bytes.Length / 2).ToArray());
        var e = Assert.Throws<ImageDecodeException>(() => ImageDecoder.DecodeFile(truncated, 1));
        Assert.Contains(truncated, e.Message);
        Assert.Contains("corrupt JPEG", e.Message);
        var garbage = dir.File("garbage.jpg");
        File.WriteAllBytes(garbage, new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4, 5, 6, 7, 8, 9 });
        e = Assert.Throws<ImageDecodeException>(() => ImageDecoder.DecodeFile(garbage, 3));
        Assert.Contains(garbage, e.Message);

        // Through a fit: the corrupt file in the folder is named.
        var root = SmallFolder(dir);
        var bad = Path.Combine(root, "Bag", "zz-corrupt.jpg");
        File.Copy(truncated, bad);
        var fitError = Assert.Throws<ImageDecodeException>(() => Quick(Ml).Fit(Ml.Data.LoadImagesFromDirectory(root)));
        Assert.Contains(bad, fitError.Message);
    }

    [Fact]
    public void ZeroByteFileIsNamed()
    {
        using var dir = new TempDir();
        var empty = dir.File("empty.png");
        File.WriteAllBytes(empty, Array.Empty<byte>());
        var e = Assert.Throws<ImageDecodeException>(() => ImageDecoder.DecodeFile(empty, 1));
        Assert.Contains(empty, e.Message);
        Assert.Contains("0 bytes", e.Message);
    }

    [Fact]
    public void MissingFileInACsvIsNamed()
    {
        using var dir = new TempDir();
        var csv = dir.File("data.csv");
        File.WriteAllText(csv, $"ImagePath,Label\n{AJpeg},Bag\nnot-there.png,Trouser\n");
        var view = Ml.Data.LoadFromTextFile(csv);
        var e = Assert.Throws<ImageDecodeException>(() => fixture.Model.Transform(view).GetRowCursor().MoveNext());
        Assert.Contains(dir.File("not-there.png"), e.Message);
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void UnsupportedFormatIsNamed()
    {
        using var dir = new TempDir();
        var gif = dir.File("picture.gif");
        File.WriteAllBytes(gif, "GIF89a\x01\x00\x01\x00\x00\x00\x00;"u8.ToArray());
        var e = Assert.Throws<ImageDecodeException>(() => ImageDecoder.DecodeFile(gif, 3));
        Assert.Contains(gif, e.Message);
        Assert.Contains("unsupported image format", e.Message);
    }

    [Fact]
    public void MissingLabelColumnIsNamed()
    {
        using var dir = new TempDir();
        var csv = dir.File("data.csv");
        File.WriteAllText(csv, $"ImagePath,Class\n{AJpeg},Bag\n");
        var e = Assert.Throws<InvalidDataException>(() => Ml.Data.LoadFromTextFile(csv));
        Assert.Contains(csv, e.Message);
        Assert.Contains("column 'Label'", e.Message);

        var unlabelled = Ml.Data.LoadImagesFromDirectory(fixture.TrainFolder, useFolderNameAsLabel: false);
        var fitError = Assert.Throws<ArgumentException>(() => Quick(Ml).Fit(unlabelled));
        Assert.Contains("column 'Label' not found", fitError.Message);

        File.WriteAllText(csv, $"ImagePath,Label\n{AJpeg},Bag\n{AJpeg},\n");
        var rowError = Assert.Throws<InvalidDataException>(() => Ml.Data.CreateEnumerable<ImageInput>(Ml.Data.LoadFromTextFile(csv)).ToList());
        Assert.Contains("row 2", rowError.Message);
        Assert.Contains("column 'Label'", rowError.Message);
    }

    [Fact]
    public void LabelUnseenInTrainingFailsAtEvaluate()
    {
        using var dir = new TempDir();
        var root = SmallFolder(dir, perClass: 2);
        Directory.CreateDirectory(Path.Combine(root, "Zebra"));
        File.Copy(AJpeg, Path.Combine(root, "Zebra", "z.jpg"));
        var scored = fixture.Model.Transform(Ml.Data.LoadImagesFromDirectory(root));
        var e = Assert.Throws<InvalidDataException>(() => Ml.MulticlassClassification.Evaluate(scored));
        Assert.Contains("'Zebra'", e.Message);
        Assert.Contains("row 5", e.Message);
        Assert.Contains("column 'Label'", e.Message);
    }

    [Fact]
    public void EmptyDataViewIsRefused()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("nothing"));
        var e = Assert.Throws<ArgumentException>(() => Quick(Ml).Fit(Ml.Data.LoadImagesFromDirectory(dir.File("nothing"))));
        Assert.Contains("empty", e.Message);
    }

    [Fact]
    public void SingleClassTrainingSetIsRefused()
    {
        using var dir = new TempDir();
        var root = SmallFolder(dir);
        Directory.Delete(Path.Combine(root, "Trouser"), recursive: true);
        var e = Assert.Throws<ArgumentException>(() => Quick(Ml).Fit(Ml.Data.LoadImagesFromDirectory(root)));
        Assert.Contains("single class ('Bag')", e.Message);
    }

    [Fact]
    public void TruncatedModelZipIsRefused()
    {
        using var dir = new TempDir();
        var path = dir.File("model.zip");
        Ml.Model.Save(fixture.Model, path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes.AsSpan(0, bytes.Length * 2 / 3).ToArray());
        var e = Assert.Throws<InvalidDataException>(() => Ml.Model.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void TamperedModelZipIsRefused()
    {
        using var dir = new TempDir();
        var path = dir.File("model.zip");
        Ml.Model.Save(fixture.Model, path);
        // Flip one weight byte and re-pack the entry (a valid zip whose content no longer matches the manifest).
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
        {
            var entry = zip.GetEntry("classifier0.safetensors")!;
            byte[] weights;
            using (var s = entry.Open()) { using var m = new MemoryStream(); s.CopyTo(m); weights = m.ToArray(); }
            weights[^5] ^= 0x40;
            entry.Delete();
            using var w = zip.CreateEntry("classifier0.safetensors").Open();
            w.Write(weights);
        }
        var e = Assert.Throws<InvalidDataException>(() => Ml.Model.Load(path));
        Assert.Contains("'classifier0.safetensors'", e.Message);
        Assert.Contains("SHA-256", e.Message);

        // An entry smuggled in beside the manifest is refused too.
        Ml.Model.Save(fixture.Model, path);
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
        using (var w = zip.CreateEntry("extra.py").Open()) w.Write("print('hi')"u8);
        e = Assert.Throws<InvalidDataException>(() => Ml.Model.Load(path));
        Assert.Contains("'extra.py'", e.Message);
    }

    [Fact]
    public void SkipOptionReportsUndecodableImages()
    {
        using var dir = new TempDir();
        var root = SmallFolder(dir);
        var empty = Path.Combine(root, "Bag", "empty.png");
        var gif = Path.Combine(root, "Trouser", "not-really.gif");
        File.WriteAllBytes(empty, Array.Empty<byte>());
        File.WriteAllBytes(gif, "GIF89a"u8.ToArray());
        long baseline = Torch.TorchRuntime.LiveTensors;
        var model = Quick(Ml, skip: true).Fit(Ml.Data.LoadImagesFromDirectory(root));
        var skipped = ((ResNetClassifierTransformer)model[1]).SkippedImages;
        var good = Directory.GetFiles(Path.Combine(root, "Trouser"), "0*").Select(f => new ImageInput { ImagePath = f }).ToList();
        Assert.Equal(good.Count, Ml.Data.CreateEnumerable<ImagePrediction>(model.Transform(Ml.Data.LoadFromEnumerable(good))).Count());
        model.Dispose();
        // Fitting, scoring and disposing leave no native tensor behind.
        Assert.Equal(baseline, Torch.TorchRuntime.LiveTensors);
        Assert.Equal(2, skipped.Count);
        Assert.Equal(new[] { empty, gif }, skipped.Select(s => s.Source));
        Assert.Contains("0 bytes", skipped[0].Reason);
        Assert.Contains("unsupported image format", skipped[1].Reason);
    }
}

using System.Buffers.Binary;
using System.IO.Compression;
using Microsoft.ML;
using ResNet.MLNet.Data;
using ResNet.MLNet.Data.Idx;
using ResNet.MLNet.Data.Images;
using ResNet.MLNet.Data.Sources;
using ResNet.MLNet.Export;
using ResNet.MLNet.Models.Classic;
using ResNet.MLNet.Pipeline;
using ResNet.MLNet.Scoring;
using ResNet.MLNet.Tests.Pipeline;
using ResNet.MLNet.Tests.Support;
using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Serialization;

namespace ResNet.MLNet.Tests.Fuzz;

/// <summary>Every <see cref="InputLimits"/> limit, just under (accepted) and just over (refused with
/// <see cref="InvalidInputException"/> naming the file and the limit), checked before the memory is allocated.</summary>
[Collection("Pipeline")]
public class InputLimitsTests(PipelineFixture fixture) : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly InputLimits _saved = InputLimits.Default;

    public void Dispose()
    {
        InputLimits.Default = _saved;
        _dir.Dispose();
    }

    private static void Refused(Action load, string input, string limit)
    {
        var e = Assert.ThrowsAny<InvalidInputException>(load);
        Assert.Contains(input, e.Message);
        Assert.Contains(limit, e.Message);
    }

    private byte[] Png() => File.ReadAllBytes(Seeds.Images(_dir.File("seeds"), ".png").Select(s => Path.Combine(_dir.File("seeds"), s.Name)).First(f => f.EndsWith("rgb.png")));

    [Fact]
    public void DefaultPixelLimitIsPils()
    {
        // PIL: MAX_IMAGE_PIXELS = int(1024 * 1024 * 1024 // 4 // 3)
        Assert.Equal(1024L * 1024 * 1024 / 4 / 3, InputLimits.Default.MaxImagePixels);
    }

    [Fact]
    public void ImagePixels()
    {
        var png = Png(); // 40 x 24
        var at = new InputLimits { MaxImagePixels = 40 * 24 };
        Assert.Equal(40, ImageDecoder.Decode(png, 3, "x.png", at).Width);
        Refused(() => ImageDecoder.Decode(png, 3, "x.png", at with { MaxImagePixels = 40 * 24 - 1 }), "x.png", "InputLimits.MaxImagePixels");

        // The chain's decoder reads InputLimits.Default.
        var decode = new DecodeImageFileMapping().GetMapping();
        var output = new DecodeImageBytesMapping.Output();
        InputLimits.Default = at;
        decode(new DecodeImageFileMapping.Input { Bytes = png, Path = "y.png" }, output);
        output.Image!.Dispose();
        InputLimits.Default = at with { MaxImagePixels = 40 * 24 - 1 };
        Refused(() => decode(new DecodeImageFileMapping.Input { Bytes = png, Path = "y.png" }, output), "y.png", "InputLimits.MaxImagePixels");
    }

    [Fact]
    public void DecompressionBombIsRefusedFromItsHeaderWithoutAllocating()
    {
        // A 30000 x 30000 PNG header (900 M pixels, 2.7 GB as RGB): refused with the default limits.
        var png = Png();
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(16), 30000);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(20), 30000);
        var path = _dir.File("bomb.png");
        File.WriteAllBytes(path, png);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Refused(() => ImageDecoder.DecodeFile(path, 3), path, "InputLimits.MaxImagePixels");
        var output = new DecodeImageBytesMapping.Output();
        Refused(() => new DecodeImageFileMapping().GetMapping()(new DecodeImageFileMapping.Input { Bytes = png, Path = path }, output), path, "InputLimits.MaxImagePixels");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
    }

    [Fact]
    public void EncodedImageBytes()
    {
        var png = Png();
        var path = _dir.File("a.png");
        File.WriteAllBytes(path, png);
        var at = new InputLimits { MaxImageBytes = png.Length };
        Assert.Equal(24, ImageDecoder.DecodeFile(path, 1, at).Height);
        Refused(() => ImageDecoder.DecodeFile(path, 1, at with { MaxImageBytes = png.Length - 1 }), path, "InputLimits.MaxImageBytes");
        Refused(() => ImageHeader.Check(png, "b.png", at with { MaxImageBytes = png.Length - 1 }), "b.png", "InputLimits.MaxImageBytes");
    }

    private string SavedModel()
    {
        var path = _dir.File("model.zip");
        if (!File.Exists(path)) fixture.Context.Model.Save(fixture.Model, fixture.Test.Schema, path);
        return path;
    }

    [Fact]
    public void ModelZipFileSizeEntriesAndUncompressedBytes()
    {
        var ml = new MLContext(1);
        var path = SavedModel();
        long length = new FileInfo(path).Length;
        int entries;
        long total;
        using (var zip = ZipFile.OpenRead(path)) (entries, total) = (zip.Entries.Count, zip.Entries.Sum(e => e.Length));
        var exact = new InputLimits { MaxModelFileBytes = length, MaxModelZipEntries = entries, MaxModelZipUncompressedBytes = total };
        Assert.NotNull(ml.Model.LoadChecked(path, out _, exact));
        Refused(() => ml.Model.LoadChecked(path, out _, exact with { MaxModelFileBytes = length - 1 }), path, "InputLimits.MaxModelFileBytes");
        Refused(() => ml.Model.LoadChecked(path, out _, exact with { MaxModelZipEntries = entries - 1 }), path, "InputLimits.MaxModelZipEntries");
        Refused(() => ml.Model.LoadChecked(path, out _, exact with { MaxModelZipUncompressedBytes = total - 1 }), path, "InputLimits.MaxModelZipUncompressedBytes");
    }

    [Fact]
    public void ModelZipEntryThatInflatesPastItsDeclaredSizeIsRefused()
    {
        var bytes = File.ReadAllBytes(SavedModel());
        // Lower the declared size of the ONNX graph's entry by one, in its local header and its central record.
        var onnx = "OnnxModel"u8.ToArray();
        for (int i = 0; i + 46 < bytes.Length; i++)
        {
            bool local = bytes.AsSpan(i, 4).SequenceEqual("PK\u0003\u0004"u8), central = bytes.AsSpan(i, 4).SequenceEqual("PK\u0001\u0002"u8);
            if (!local && !central) continue;
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(i + (local ? 26 : 28)));
            var name = bytes.AsSpan(i + (local ? 30 : 46), nameLength);
            if (!name.EndsWith(onnx)) continue;
            var size = bytes.AsSpan(i + (local ? 22 : 24), 4);
            BinaryPrimitives.WriteUInt32LittleEndian(size, BinaryPrimitives.ReadUInt32LittleEndian(size) - 1);
        }
        var path = _dir.File("lying.zip");
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidInputException>(() => new MLContext(1).Model.LoadChecked(path, out _));
        Assert.Contains(path, e.Message);
        Assert.Contains("OnnxModel", e.Message);
    }

    [Fact]
    public void OnnxGraphBytes()
    {
        using var net = ClassicNetBuilder.Build(ClassicZoo.LeNet5(numClasses: 3));
        var bytes = OnnxExporter.Export(net, new OnnxExportOptions { Channels = 1, Height = 28, Width = 28 });
        InputLimits.Default = new InputLimits { MaxOnnxBytes = bytes.Length };
        using (new OnnxScorer(bytes)) { }
        InputLimits.Default = new InputLimits { MaxOnnxBytes = bytes.Length - 1 };
        Refused(() => new OnnxScorer(bytes).Dispose(), "(in-memory model)", "InputLimits.MaxOnnxBytes");
    }

    [Fact]
    public void SafeTensorsHeaderBytes()
    {
        var path = _dir.File("w.safetensors");
        File.WriteAllBytes(path, Seeds.SafeTensorsFiles().First().Bytes);
        long header = (long)BinaryPrimitives.ReadUInt64LittleEndian(File.ReadAllBytes(path));
        long live = TorchRuntime.LiveTensors;
        InputLimits.Default = new InputLimits { MaxSafeTensorsHeaderBytes = header };
        foreach (var t in SafeTensors.Load(path).Values) t.Dispose();
        InputLimits.Default = new InputLimits { MaxSafeTensorsHeaderBytes = header - 1 };
        Refused(() => SafeTensors.Load(path), path, "InputLimits.MaxSafeTensorsHeaderBytes");
        Assert.Equal(live, TorchRuntime.LiveTensors);
    }

    [Fact]
    public void SafeTensorsShapeThatOverflowsIsRefused()
    {
        // 2^62 x 4 float32s: the byte count overflows a long and must not wrap around to the offsets' 0 bytes.
        var json = "{\"t\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,0]}}";
        var header = System.Text.Encoding.UTF8.GetBytes(json);
        var prefix = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        var path = _dir.File("overflow.safetensors");
        File.WriteAllBytes(path, prefix.Concat(header).ToArray());
        Assert.Contains(path, Assert.Throws<InvalidInputException>(() => SafeTensors.Load(path)).Message);
    }

    [Fact]
    public void IdxValuesAndHeaderAgainstFileLength()
    {
        var seed = Seeds.Idx().First().Bytes; // 6 x 5 x 4
        var path = _dir.File("images.idx");
        File.WriteAllBytes(path, seed);
        Assert.Equal(new[] { 6, 5, 4 }, IdxReader.Read(path, new InputLimits { MaxIdxValues = 120 }).Shape);
        Refused(() => IdxReader.Read(path, new InputLimits { MaxIdxValues = 119 }), path, "InputLimits.MaxIdxValues");
        // A header claiming 1 G values in a 136-byte file is refused before the array is allocated.
        var lying = (byte[])seed.Clone();
        BinaryPrimitives.WriteInt32BigEndian(lying.AsSpan(4), 50_000_000);
        File.WriteAllBytes(path, lying);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidInputException>(() => IdxReader.Read(path));
        Assert.Contains("the file can hold at most 120", e.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
    }

    [Fact]
    public void CifarFileLengthIsWholeRecords()
    {
        var ml = new MLContext(1);
        var path = _dir.File("batch.bin");
        File.WriteAllBytes(path, new byte[3073]);
        Assert.Equal(1, ml.Data.LoadFromCifar10(path).Preview().RowView.Length);
        foreach (var length in new[] { 3072, 3074 })
        {
            File.WriteAllBytes(path, new byte[length]);
            Assert.Contains(path, Assert.Throws<InvalidInputException>(() => ml.Data.LoadFromCifar10(path)).Message);
        }
    }

    [Fact]
    public void CsvRowsAndFieldLength()
    {
        var ml = new MLContext(1);
        var path = _dir.File("list.csv");
        File.WriteAllLines(path, new[] { "ImagePath,Label", "a.png,x", "b.png,y", "c.png,x" });
        Assert.Equal(3, ImageListSource.Load(ml.Data, path, new InputLimits { MaxCsvRows = 3 }).Preview().RowView.Length);
        Refused(() => ImageListSource.Load(ml.Data, path, new InputLimits { MaxCsvRows = 2 }), path, "InputLimits.MaxCsvRows");
        File.WriteAllLines(path, new[] { "ImagePath,Label", new string('p', 100) + ",x" });
        Assert.Single(ImageListSource.Load(ml.Data, path, new InputLimits { MaxCsvFieldChars = 100 }).Preview().RowView);
        var e = Assert.Throws<InvalidInputException>(() => ImageListSource.Load(ml.Data, path, new InputLimits { MaxCsvFieldChars = 99 }));
        Assert.Contains(path, e.Message);
        Assert.Contains("row 2", e.Message);
    }
}

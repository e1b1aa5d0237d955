using System.IO.Compression;
using ResNet.MLNet.Models;
using ResNet.MLNet.Models.Pretrained;
using ResNet.MLNet.Tests.Support;
using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Serialization;
using Xunit.Abstractions;

namespace ResNet.MLNet.Tests.Models.Pretrained;

/// <summary>The .pth reader against files written by real torch.save, hostile pickles and mutated files.</summary>
[Collection(PthCollection.Name)]
public class PyTorchCheckpointTests
{
    private readonly PthReferenceFixture _ref;
    private readonly ITestOutputHelper _output;

    public PyTorchCheckpointTests(PthReferenceFixture reference, ITestOutputHelper output)
    {
        _ref = reference;
        _output = output;
    }

    private static void AssertSameTensors(Dictionary<string, Tensor> expected, Dictionary<string, Tensor> actual, bool sameDType)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (key, e) in expected)
        {
            var a = actual[key];
            Assert.True(e.Shape.SequenceEqual(a.Shape), $"{key}: shape {a.ShapeString}, expected {e.ShapeString}");
            if (sameDType) Assert.Equal(e.DType, a.DType);
            using var converted = a.To(e.DType).DetachFromScope();
            var eb = new byte[e.NumElements * e.DType.ElementSize()];
            var ab = new byte[eb.Length];
            e.CopyBytesTo(eb);
            converted.CopyBytesTo(ab);
            Assert.True(eb.AsSpan().SequenceEqual(ab), $"{key}: values differ");
        }
    }

    private static void DisposeAll(params Dictionary<string, Tensor>[] dicts)
    {
        foreach (var d in dicts)
            foreach (var t in d.Values) t.Dispose();
    }

    [Theory]
    [InlineData("small.pth")]
    [InlineData("small_legacy.pth")]
    public void EveryDTypeAndLayoutReadsAsPyTorchWroteIt(string file)
    {
        var expected = SafeTensors.Load(_ref.File("small.safetensors"));
        var actual = PyTorchCheckpoint.Load(_ref.File(file));
        try
        {
            AssertSameTensors(expected, actual, sameDType: false);
            // Floating point comes back as float32 whatever was stored; integers and bools keep their dtype.
            Assert.Equal(DType.Float32, actual["half"].DType);
            Assert.Equal(DType.Float32, actual["bf16"].DType);
            Assert.Equal(DType.Float32, actual["f64"].DType);
            Assert.Equal(DType.Int64, actual["i64"].DType);
            Assert.Equal(DType.Int32, actual["i32"].DType);
            Assert.Equal(DType.UInt8, actual["u8"].DType);
            Assert.Equal(DType.Bool, actual["flags"].DType);
            Assert.Empty(actual["scalar"].Shape);
            Assert.Equal(new long[] { 6, 4 }, actual["t"].Shape);
        }
        finally
        {
            DisposeAll(expected, actual);
        }
    }

    [Theory]
    [InlineData("resnet18.pth")]
    [InlineData("resnet18_legacy.pth")]
    [InlineData("checkpoint.pth")]   // {"epoch", "best_acc", "arch", "state_dict": ...}
    public void Resnet18StateDictEqualsTheSafetensorsCopy(string file)
    {
        var expected = SafeTensors.Load(_ref.File("resnet18.safetensors"));
        var actual = PyTorchCheckpoint.Load(_ref.File(file));
        try
        {
            AssertSameTensors(expected, actual, sameDType: true);
            Assert.Equal(DType.Int64, actual["bn1.num_batches_tracked"].DType);
            Assert.Equal(7, actual["bn1.num_batches_tracked"].ItemInt64());
        }
        finally
        {
            DisposeAll(expected, actual);
        }
    }

    [Fact]
    public void Resnet18LoadedFromPthGivesTorchvisionLogits()
    {
        using var net = PretrainedWeights.Create(ResNetArchitecture.ResNet18, _ref.File("resnet18.pth"), out var report);
        Assert.True(report.IsComplete, report.ToString());
        Assert.Equal(net.StateDict().Count, report.Loaded.Count);
        var expected = SafeTensors.Load(_ref.File("expected.safetensors"));
        try
        {
            using var scope = TensorScope.Begin();
            net.Eval();
            using (Autograd.InferenceMode())
                Compare.Close(net.Forward(expected["x"]), expected["logits"], 1e-4, "resnet18 logits");
        }
        finally
        {
            DisposeAll(expected);
        }
    }

    [Theory]
    [InlineData("evil_system.pkl", "posix.system")]
    [InlineData("evil_eval.pkl", "builtins.eval")]
    [InlineData("evil_system.pth", "posix.system")]
    [InlineData("evil_eval.pth", "builtins.eval")]
    public void MaliciousPicklesAreRefusedAndNeverRun(string file, string global)
    {
        var path = _ref.File(file);
        var e = Assert.Throws<InvalidDataException>(() => PyTorchCheckpoint.Load(path));
        Assert.Equal($"{path}: refuses to call {global}; only tensor state dicts are read", e.Message);
        e = Assert.Throws<InvalidDataException>(() => PretrainedWeights.ReadTensors(path));
        Assert.Contains(global, e.Message);
        using var net = ResNetZoo.Create(ResNetArchitecture.ResNet20);
        Assert.Throws<InvalidDataException>(() => PretrainedWeights.LoadInto(net, path));
        // The same payloads aimed at another marker did run under Python's pickle (checked by the script).
        Assert.False(File.Exists(_ref.Marker), "a payload ran");
    }

    [Fact]
    public void OtherFilesAreNamedInTheError()
    {
        using var dir = new TempDir();
        Assert.Contains("/nonexistent/w.pth", Assert.Throws<FileNotFoundException>(() => PyTorchCheckpoint.Load("/nonexistent/w.pth")).Message);
        var text = dir.File("notes.pth");
        File.WriteAllText(text, "hello");
        Assert.Equal($"{text}: not a PyTorch file (neither a torch.save zip archive nor a legacy pickle stream)",
            Assert.Throws<InvalidDataException>(() => PyTorchCheckpoint.Load(text)).Message);
        var list = dir.File("list.pth");
        File.WriteAllBytes(list, new byte[] { 0x80, 0x02, (byte)']', (byte)'.' });  // a pickled empty list
        Assert.Contains(list, Assert.Throws<InvalidDataException>(() => PyTorchCheckpoint.Load(list)).Message);
    }

    [Fact]
    public void AStorageShorterThanDeclaredIsNamed()
    {
        using var dir = new TempDir();
        var path = dir.File("short.pth");
        File.Copy(_ref.File("small.pth"), path);
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
        {
            var entry = zip.GetEntry("small/data/0")!;
            entry.Delete();
            using var s = zip.CreateEntry("small/data/0", CompressionLevel.NoCompression).Open();
            s.Write(new byte[10]);
        }
        var e = Assert.Throws<InvalidDataException>(() => PyTorchCheckpoint.Load(path));
        Assert.StartsWith(path + ": entry small/data/0 holds 10 bytes but its storage declares 24 × Float32 = 96 bytes", e.Message);
    }

    [Theory]
    [InlineData("small.pth", 1)]
    [InlineData("small_legacy.pth", 2)]
    public void MutatedFilesEndInSuccessOrInvalidDataNamingTheFile(string file, int seed)
    {
        var original = File.ReadAllBytes(_ref.File(file));
        using var dir = new TempDir();
        var path = dir.File("mutant.pth");
        var random = new Random(seed);
        int loaded = 0, refused = 0;
        void Try(byte[] bytes)
        {
            File.WriteAllBytes(path, bytes);
            try
            {
                DisposeAll(PyTorchCheckpoint.Load(path));
                loaded++;
            }
            catch (InvalidDataException e)
            {
                Assert.StartsWith(path + ":", e.Message);
                refused++;
            }
        }
        for (int i = 0; i < 300; i++)
        {
            var bytes = (byte[])original.Clone();
            int flips = 1 + random.Next(4);
            for (int f = 0; f < flips; f++) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
            Try(bytes);
        }
        int cuts = 0;
        for (int cut = 0; cut < original.Length; cut += Math.Max(1, original.Length / 150), cuts++)
            Try(original[..cut]);
        _output.WriteLine($"{file}: 300 bit-flip mutants and {cuts} truncations: {loaded} loaded, {refused} refused with InvalidDataException");
        Assert.Equal(300 + cuts, loaded + refused);
        Assert.True(refused > cuts / 2);
    }
}

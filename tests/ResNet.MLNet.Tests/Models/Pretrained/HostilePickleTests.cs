using System.IO.Compression;
using System.Text;
using ResNet.MLNet.Tests.Support;
using ResNet.MLNet.Torch.Serialization;

namespace ResNet.MLNet.Tests.Models.Pretrained;

/// <summary>Hand-written pickles inside a torch.save-style zip, each breaking one limit of the reader.</summary>
public class HostilePickleTests
{
    // Pickle fragments, protocol 2, as torch.save writes them.
    private static string Str(string s) => "X" + Encoding.Latin1.GetString(BitConverter.GetBytes(s.Length)) + s;
    private static string Int(int i) => "J" + Encoding.Latin1.GetString(BitConverter.GetBytes(i));
    private const string Proto = "\x80\x02";
    private static readonly string Hooks = "ccollections\nOrderedDict\n)R";

    private static string Storage(int numel, string type = "FloatStorage") =>
        "((" + Str("storage") + $"ctorch\n{type}\n" + Str("0") + Str("cpu") + Int(numel) + "tQ";

    private static string Tensor(string storage, int offset, int[] size, int[] stride) =>
        "ctorch._utils\n_rebuild_tensor_v2\n" + storage + Int(offset) +
        "(" + string.Concat(size.Select(Int)) + "t(" + string.Concat(stride.Select(Int)) + "t\x89" + Hooks + "tR";

    private static string StateDict(string tensor) => Proto + "}(" + Str("w") + tensor + "u.";

    private static void WriteArchive(string path, string pickle, int storageBytes)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        using (var s = zip.CreateEntry("archive/data.pkl", CompressionLevel.NoCompression).Open()) s.Write(Encoding.Latin1.GetBytes(pickle));
        using (var s = zip.CreateEntry("archive/data/0", CompressionLevel.NoCompression).Open()) s.Write(new byte[storageBytes]);
        using (var s = zip.CreateEntry("archive/version", CompressionLevel.NoCompression).Open()) s.Write("3\n"u8);
    }

    public static TheoryData<string, string, int, string> Cases() => new()
    {
        { "valid", StateDict(Tensor(Storage(4), 0, new[] { 2, 2 }, new[] { 2, 1 })), 16, "" },
        { "view past the storage", StateDict(Tensor(Storage(4), 0, new[] { 5 }, new[] { 1 })), 16, "reaches element 4 of storage '0', which holds 4" },
        { "offset past the storage", StateDict(Tensor(Storage(4), 3, new[] { 2 }, new[] { 1 })), 16, "reaches element 4 of storage '0', which holds 4" },
        { "overflowing stride", StateDict(Tensor(Storage(4), 0, new[] { 2, 2, 2 }, new[] { int.MaxValue, int.MaxValue, int.MaxValue })), 16, "reaches element" },
        { "huge expanded view", StateDict(Tensor(Storage(4), 0, new[] { 100000, 100000 }, new[] { 0, 0 })), 16, "expands storage '0'" },
        { "negative size", StateDict(Tensor(Storage(4), 0, new[] { -1 }, new[] { 1 })), 16, "size[0] is -1" },
        { "entry shorter than declared", StateDict(Tensor(Storage(5), 0, new[] { 4 }, new[] { 1 })), 16, "holds 16 bytes but its storage declares 5 × Float32 = 20 bytes" },
        { "unknown memo index", Proto + "}(" + Str("w") + "h\x09u.", 16, "memo index 9 was never stored" },
        { "stack underflow", Proto + "R.", 16, "pickle stack underflow" },
        { "deep marks", Proto + new string('(', 5000) + ".", 16, "more than 4096 nested marks" },
        { "no STOP", Proto + "}", 16, "ends before its STOP opcode" },
        { "string past the end", Proto + "X\xff\xff\xff\x7f", 16, "runs past the end of the pickle" },
        { "text opcode", Proto + "I1\n.", 16, "unsupported pickle opcode 0x49 ('I')" },
        { "unknown storage", StateDict(Tensor(Storage(4, "ComplexFloatStorage"), 0, new[] { 1 }, new[] { 1 })), 16, "refuses to call torch.ComplexFloatStorage" },
        { "calling a storage type", Proto + "ctorch\nFloatStorage\n)R.", 16, "refuses to call torch.FloatStorage" },
        { "not a tensor", Proto + "}(" + Str("w") + Int(3) + "u.", 16, "'w' is a int, not a tensor" },
        { "path in the storage key", StateDict(Tensor("((" + Str("storage") + "ctorch\nFloatStorage\n" + Str("../0") + Str("cpu") + Int(4) + "tQ", 0, new[] { 1 }, new[] { 1 })), 16, "not a short alphanumeric name" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void EachViolationIsAnInvalidDataErrorNamingTheFile(string name, string pickle, int storageBytes, string expected)
    {
        using var dir = new TempDir();
        var path = dir.File("hostile.pth");
        WriteArchive(path, pickle, storageBytes);
        if (expected == "")
        {
            var ok = PyTorchCheckpoint.Load(path);
            Assert.Equal(new long[] { 2, 2 }, ok["w"].Shape);
            foreach (var t in ok.Values) t.Dispose();
            return;
        }
        var e = Assert.Throws<InvalidDataException>(() => PyTorchCheckpoint.Load(path));
        Assert.StartsWith(path + ":", e.Message);
        Assert.True(e.Message.Contains(expected), $"{name}: {e.Message}");
    }
}

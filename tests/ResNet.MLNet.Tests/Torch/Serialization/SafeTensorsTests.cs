using ResNet.MLNet.Models;
using ResNet.MLNet.Tests.Support;
using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Serialization;

namespace ResNet.MLNet.Tests.Torch.Serialization;

public class SafeTensorsTests
{
    [Fact]
    public void RoundTripsAStateDictWithEveryDType()
    {
        using var dir = new TempDir();
        using var scope = TensorScope.Begin();
        var tensors = new Dictionary<string, Tensor>
        {
            ["a"] = Tensor.Randn(new long[] { 3, 4 }),
            ["b"] = Tensor.FromArray(new long[] { 1, -2, 3 }),
            ["c"] = Tensor.FromArray(new byte[] { 9, 8 }),
            ["scalar"] = Tensor.Zeros(Array.Empty<long>(), DType.Int64),
        };
        SafeTensors.Save(dir.File("x.safetensors"), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        var loaded = SafeTensors.Load(dir.File("x.safetensors"));
        Assert.Equal(tensors.Keys.Order(), loaded.Keys.Order());
        foreach (var (k, v) in tensors)
        {
            Assert.Equal(v.Shape, loaded[k].Shape);
            Assert.Equal(v.DType, loaded[k].DType);
        }
        Assert.Equal(tensors["a"].ToArray<float>(), loaded["a"].ToArray<float>());
        Assert.Equal(tensors["b"].ToArray<long>(), loaded["b"].ToArray<long>());
        Assert.Equal("pt", SafeTensors.ReadHeader(dir.File("x.safetensors")).Metadata["format"]);
        foreach (var t in loaded.Values) t.Dispose();
    }

    [Fact]
    public void PythonReadsWhatWeWrite()
    {
        using var dir = new TempDir();
        using var net = ResNetZoo.Create(ResNetArchitecture.ResNet20, 10, 1);
        SafeTensors.Save(dir.File("w.safetensors"), net.StateDict());
        var output = PythonReference.Run("load_check.py", dir.File("w.safetensors"));
        // The script loads the file into the PyTorch definition with strict=True and prints the parameter count.
        Assert.Equal(net.ParameterCount.ToString(), output.Trim());
    }

    [Fact]
    public void MissingFileIsNamed()
    {
        var e = Assert.Throws<FileNotFoundException>(() => SafeTensors.Load("/nonexistent/w.safetensors"));
        Assert.Contains("/nonexistent/w.safetensors", e.Message);
    }

    [Fact]
    public void TruncatedFileIsReportedWithTheTensorName()
    {
        using var dir = new TempDir();
        using var net = ResNetZoo.Create(ResNetArchitecture.ResNet20, 10, 1);
        var path = dir.File("w.safetensors");
        SafeTensors.Save(path, net.StateDict());
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 100)]);
        var e = Assert.Throws<ResNet.MLNet.InvalidInputException>(() => SafeTensors.Load(path));
        Assert.Contains("truncated", e.Message);
        Assert.Contains("fc.", e.Message);
        File.WriteAllBytes(path, bytes[..5]);
        Assert.Contains("not a safetensors file", Assert.Throws<ResNet.MLNet.InvalidInputException>(() => SafeTensors.Load(path)).Message);
        File.WriteAllBytes(path, bytes[..200]);
        Assert.Contains("header length", Assert.Throws<ResNet.MLNet.InvalidInputException>(() => SafeTensors.Load(path)).Message);
    }

    [Fact]
    public void MissingOrWronglyShapedEntriesAreNamedAndLeaveTheModelUnchanged()
    {
        using var dir = new TempDir();
        using var scope = TensorScope.Begin();
        using var net = ResNetZoo.Create(ResNetArchitecture.ResNet20, 10, 1);
        var before = net.Fc.Weight.ToArray<float>();
        var state = net.StateDict().Where(kv => kv.Key != "layer2.0.bn1.running_var").ToDictionary(kv => kv.Key, kv => kv.Value);
        SafeTensors.Save(dir.File("missing.safetensors"), state);
        var e = Assert.Throws<ResNet.MLNet.InvalidInputException>(() => SafeTensors.LoadInto(net, dir.File("missing.safetensors")));
        Assert.Contains("missing key 'layer2.0.bn1.running_var'", e.Message);

        state = net.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value);
        state["fc.weight"] = Tensor.Zeros(new long[] { 7, 64 });
        SafeTensors.Save(dir.File("shape.safetensors"), state);
        e = Assert.Throws<ResNet.MLNet.InvalidInputException>(() => SafeTensors.LoadInto(net, dir.File("shape.safetensors")));
        Assert.Contains("'fc.weight' has shape [7, 64] but the model expects [10, 64]", e.Message);
        Assert.Equal(before, net.Fc.Weight.ToArray<float>());
    }

    [Fact]
    public void TamperedHeaderIsRejected()
    {
        using var dir = new TempDir();
        var path = dir.File("bad.safetensors");
        var json = "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,12]}}";
        using (var f = File.Create(path))
        {
            f.Write(BitConverter.GetBytes((ulong)json.Length));
            f.Write(System.Text.Encoding.UTF8.GetBytes(json));
            f.Write(new byte[16]);
        }
        var e = Assert.Throws<ResNet.MLNet.InvalidInputException>(() => SafeTensors.Load(path));
        Assert.Contains("tensor 'w'", e.Message);
        Assert.Contains("do not match shape [4]", e.Message);
    }
}

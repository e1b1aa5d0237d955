using System.CommandLine;
using System.IO.Compression;
using ResNet.MLNet.Scoring;

namespace ResNet.MLNet.Cli;

/// <summary><c>export MODEL.zip OUT.onnx</c>: writes the network of a saved ML.NET model as a standalone ONNX file.</summary>
internal static class ExportCommand
{
    // ML.NET's OnnxTransformer stores its graph in an entry named OnnxModel as a length-prefixed byte array
    // (Int32 little-endian count, then the bytes); the result is checked by loading it in ONNX Runtime.
    private const string EntryName = "OnnxModel";

    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "Model zip written by 'train' (or ml.Model.Save of a ResNetClassifier pipeline)" };
        var output = new Argument<string>("output") { Description = "Where to write the ONNX file" };
        var command = new Command("export", "Write the network of a saved model as an ONNX file") { model, output };
        command.SetAction(r => DataLoading.Run(() =>
        {
            var bytes = Extract(r.GetValue(model)!);
            using (var scorer = new OnnxScorer(bytes))
            {
                if (scorer.ProducerName != "ResNet.MLNet")
                    throw new InvalidDataException($"{r.GetValue(model)}: its ONNX graph was not written by ResNet.MLNet (producer '{scorer.ProducerName}')");
                var path = r.GetValue(output)!;
                File.WriteAllBytes(path + ".tmp", bytes);
                File.Move(path + ".tmp", path, overwrite: true);
                Console.WriteLine($"wrote {path} ({bytes.Length:N0} bytes): input {scorer.InputName} [{string.Join(", ", scorer.InputShape)}], " +
                                  $"outputs {string.Join(", ", scorer.OutputNames)}; {scorer.Metadata.GetValueOrDefault("architecture", "?")}");
            }
            return 0;
        }));
        return command;
    }

    private static byte[] Extract(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"model file not found: {path}", path);
        using var zip = ZipFile.OpenRead(path);
        var entries = zip.Entries.Where(e => e.Name == EntryName).ToList();
        if (entries.Count != 1)
            throw new InvalidDataException($"{path}: expected one ONNX graph in the model, found {entries.Count}");
        var entry = entries[0];
        if (entry.Length < 4 || entry.Length > int.MaxValue) throw new InvalidDataException($"{path}!{entry.FullName}: implausible size {entry.Length}");
        using var stream = entry.Open();
        using var reader = new BinaryReader(stream);
        int count = reader.ReadInt32();
        if (count != entry.Length - 4) throw new InvalidDataException($"{path}!{entry.FullName}: declares {count} bytes but holds {entry.Length - 4}");
        return reader.ReadBytes(count);
    }
}

using System.CommandLine;
using ResNet.MLNet.Scoring;

namespace ResNet.MLNet.Cli;

/// <summary><c>export MODEL.zip OUT.onnx</c>: writes the network of a saved ML.NET model as a standalone ONNX file.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "Model zip written by 'train' (or ml.Model.Save of a ResNetClassifier pipeline)" };
        var output = new Argument<string>("output") { Description = "Where to write the ONNX file" };
        var command = new Command("export", "Write the network of a saved model as an ONNX file") { model, output };
        command.SetAction(r => DataLoading.Run(() =>
        {
            var bytes = ModelZip.ReadOnnxGraph(r.GetValue(model)!);
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
}

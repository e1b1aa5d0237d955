using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using ResNet.MLNet.Tests.Support;

namespace ResNet.MLNet.Tests.Pipeline;

/// <summary>The CLI sample (train, evaluate, predict) run as a process on the test image folder, and a model saved
/// here scored by another process that has no libtorch shim beside it.</summary>
[Collection("Pipeline")]
public class CliTests(PipelineFixture fixture)
{
    internal static (int ExitCode, string Output, string Error) CliIn(string folder, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(folder, "resnet-mlnet.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var error = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output, error.Result);
    }

    internal static (int ExitCode, string Output, string Error) Cli(params string[] args) => CliIn(AppContext.BaseDirectory, args);

    [Fact]
    public void TrainEvaluatePredict()
    {
        using var dir = new TempDir();
        var model = dir.File("cli.zip");
        var train = Cli("train", fixture.TestFolder, "--model", model, "--architecture", "resnet20", "--image-size", "8", "--channels", "1",
            "--resizing", "Fill", "--epochs", "1", "--batch-size", "16", "--validation-fraction", "0.2", "--onnx", dir.File("cli.onnx"));
        Assert.True(train.ExitCode == 0, train.Error);
        Assert.Contains("epoch 1/1", train.Output);
        Assert.Contains("saved", train.Output);
        Assert.True(File.Exists(model));
        Assert.True(new FileInfo(dir.File("cli.onnx")).Length > 1000);

        var evaluate = Cli("evaluate", model, fixture.TestFolder, "--top-k", "2");
        Assert.True(evaluate.ExitCode == 0, evaluate.Error);
        Assert.Contains("MicroAccuracy", evaluate.Output);
        Assert.Contains("TopKAccuracy (k=2)", evaluate.Output);
        Assert.Contains("Confusion table", evaluate.Output);

        var image = Data.Sources.ImageFolderSource.ListImages(Path.Combine(fixture.TestFolder, "Bag")).First();
        var predict = Cli("predict", model, image, "--top", "2");
        Assert.True(predict.ExitCode == 0, predict.Error);
        var line = predict.Output.Trim();
        Assert.StartsWith(image + ":", line);
        Assert.Equal(2, line.Split('%').Length - 1);

        var export = Cli("export", model, dir.File("exported.onnx"));
        Assert.True(export.ExitCode == 0, export.Error);
        Assert.Equal(File.ReadAllBytes(dir.File("cli.onnx")), File.ReadAllBytes(dir.File("exported.onnx")));

        var missing = Cli("predict", model, dir.File("nope.jpg"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains(dir.File("nope.jpg"), missing.Error);
        var notAModel = Cli("predict", dir.File("cli.onnx"), image);
        Assert.Equal(1, notAModel.ExitCode);
        Assert.StartsWith("error:", notAModel.Error);
    }

    [Fact]
    public void AnotherProcessWithoutTheNativeShimScoresTheSavedModelIdentically()
    {
        using var dir = new TempDir();
        var ml = fixture.Context;
        var path = dir.File("classifier.zip");
        ml.Model.Save(fixture.Model, fixture.Test.Schema, path);
        var files = Data.Sources.ImageFolderSource.ListImages(fixture.TestFolder).ToList();
        var expected = PipelineFixture.Predictions(ml, fixture.Model.Transform(ml.Data.LoadFromEnumerable(files.Select(f => new ImageInput { ImagePath = f }).ToList())));

        // The CLI's output folder, linked file by file, minus the libtorch shim: scoring must need only ML.NET and ONNX Runtime.
        var bare = Directory.CreateDirectory(dir.File("bare")).FullName;
        foreach (var entry in Directory.EnumerateFileSystemEntries(AppContext.BaseDirectory))
            if (Path.GetFileName(entry) != "libresnet_native.so")
                File.CreateSymbolicLink(Path.Combine(bare, Path.GetFileName(entry)), entry);
        Assert.False(File.Exists(Path.Combine(bare, "libresnet_native.so")));
        AssertPredictedScoresEqual(bare, path, files, expected);
    }

    /// <summary>Runs <c>predict MODEL --tsv FILES</c> in another process (the CLI in <paramref name="cliFolder"/>) and
    /// checks that every file's probabilities equal <paramref name="expected"/>'s, bit for bit.</summary>
    internal static void AssertPredictedScoresEqual(string cliFolder, string model, IReadOnlyList<string> files, IReadOnlyList<ImagePrediction> expected)
    {
        var predict = CliIn(cliFolder, new[] { "predict", model, "--tsv" }.Concat(files).ToArray());
        Assert.True(predict.ExitCode == 0, predict.Error);
        var lines = predict.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(files.Count, lines.Length);
        for (int i = 0; i < files.Count; i++)
        {
            var cells = lines[i].Split('\t');
            Assert.Equal(files[i], cells[0]);
            Assert.Equal(expected[i].Score, cells.Skip(1).Select(c => float.Parse(c, CultureInfo.InvariantCulture)).ToArray());
        }
    }
}

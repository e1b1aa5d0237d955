using System.Diagnostics;
using ResNet.MLNet.Tests.Support;

namespace ResNet.MLNet.Tests.Pipeline;

/// <summary>The CLI sample (train, evaluate, predict) run as a process on the test image folder.</summary>
[Collection("Pipeline")]
public class CliTests(PipelineFixture fixture)
{
    private static (int ExitCode, string Output, string Error) Cli(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "resnet-mlnet.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var error = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output, error.Result);
    }

    [Fact]
    public void TrainEvaluatePredict()
    {
        using var dir = new TempDir();
        var model = dir.File("cli.zip");
        var train = Cli("train", fixture.TestFolder, "--model", model, "--architecture", "resnet20", "--image-size", "8", "--channels", "1",
            "--resizing", "Fill", "--epochs", "1", "--batch-size", "16", "--validation-fraction", "0.2");
        Assert.True(train.ExitCode == 0, train.Error);
        Assert.Contains("epoch 1/1", train.Output);
        Assert.Contains("saved", train.Output);
        Assert.True(File.Exists(model));

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

        var missing = Cli("predict", model, dir.File("nope.jpg"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains(dir.File("nope.jpg"), missing.Error);
    }
}

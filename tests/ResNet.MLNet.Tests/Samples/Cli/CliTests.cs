using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using ResNet.MLNet.Tests.Pipeline;
using ResNet.MLNet.Tests.Support;

namespace ResNet.MLNet.Tests.Samples.Cli;

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

        var image = ResNet.MLNet.Data.Sources.ImageFolderSource.ListImages(Path.Combine(fixture.TestFolder, "Bag")).First();
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
        var files = ResNet.MLNet.Data.Sources.ImageFolderSource.ListImages(fixture.TestFolder).ToList();
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

    /// <summary>Hostile image files of every kind the decoders refuse, beside the real images of two classes.</summary>
    private static Dictionary<string, byte[]> HostileImages(string goodPng)
    {
        var bomb = File.ReadAllBytes(goodPng);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bomb.AsSpan(16), 50_000);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bomb.AsSpan(20), 50_000);
        return new Dictionary<string, byte[]>
        {
            ["bomb.png"] = bomb,
            ["empty.png"] = Array.Empty<byte>(),
            ["text.jpg"] = "not an image"u8.ToArray(),
            ["truncated.jpg"] = new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 0, 16 },
            ["scan.tif"] = new byte[] { 0x49, 0x49, 0x2A, 0x00, 8, 0, 0, 0, 0, 0 },
        };
    }

    [Fact]
    public void HostileFilesGiveOneLineErrorsAndAreSkippedWhenAsked()
    {
        using var dir = new TempDir();
        var root = dir.File("data");
        foreach (var cls in new[] { "Bag", "Trouser" })
        {
            Directory.CreateDirectory(Path.Combine(root, cls));
            foreach (var f in Directory.GetFiles(Path.Combine(fixture.TrainFolder, cls)).Order().Take(6))
                File.Copy(f, Path.Combine(root, cls, Path.GetFileName(f)));
        }
        var good = Directory.GetFiles(Path.Combine(root, "Bag"), "*.png").Order().First();
        var hostile = HostileImages(good).Select(h =>
        {
            var path = Path.Combine(root, "Bag", h.Key);
            File.WriteAllBytes(path, h.Value);
            return path;
        }).ToList();
        var model = dir.File("m.zip");
        string[] Train(params string[] extra) => new[] { "train", root, "--model", model, "--architecture", "resnet20", "--image-size", "8", "--channels", "1",
            "--resizing", "Fill", "--epochs", "1", "--batch-size", "8" }.Concat(extra).ToArray();

        var failed = Cli(Train());
        Assert.Equal(1, failed.ExitCode);
        var line = Assert.Single(failed.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error:", line);
        Assert.DoesNotContain("internal error", line);
        Assert.Contains(hostile.Order(StringComparer.Ordinal).First(), line);
        var verbose = Cli(Train("--verbose"));
        Assert.Equal(1, verbose.ExitCode);
        Assert.Contains("   at ", verbose.Error);

        var skipped = Cli(Train("--skip-undecodable"));
        Assert.True(skipped.ExitCode == 0, skipped.Error);
        foreach (var h in hostile) Assert.Contains(skipped.Output.Split('\n'), l => l.StartsWith("skipped ") && l.Contains(h));
        Assert.Contains($"{hostile.Count} undecodable image(s) skipped", skipped.Output);
        Assert.Contains("InputLimits.MaxImagePixels", skipped.Output);

        // predict: one error line per hostile file, the good one still classified, exit code 1.
        var predict = Cli(new[] { "predict", model, good }.Concat(hostile).ToArray());
        Assert.Equal(1, predict.ExitCode);
        Assert.StartsWith(good + ":", predict.Output.Trim());
        var errors = predict.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(hostile.Count, errors.Length);
        foreach (var h in hostile) Assert.Contains(errors, e => e.StartsWith("error:") && e.Contains(h));

        // A damaged model zip and a damaged CSV: one line naming the file.
        var zip = File.ReadAllBytes(model);
        File.WriteAllBytes(dir.File("cut.zip"), zip[..(zip.Length / 2)]);
        foreach (var args in new[] { new[] { "predict", dir.File("cut.zip"), good }, new[] { "export", dir.File("cut.zip"), dir.File("x.onnx") } })
        {
            var r = Cli(args);
            Assert.Equal(1, r.ExitCode);
            Assert.Contains(dir.File("cut.zip"), Assert.Single(r.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        }
        File.WriteAllText(dir.File("list.csv"), "ImagePath,Label\n\"unterminated,Bag\n");
        var csv = Cli("evaluate", model, dir.File("list.csv"));
        Assert.Equal(1, csv.ExitCode);
        Assert.Contains(dir.File("list.csv"), Assert.Single(csv.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));

        // The soak, short: engines on 2 threads, every invalid image answered with its error, memory flat.
        var soak = Cli("soak", model, Path.Combine(root, "Trouser"), "--threads", "2", "--predictions", "300", "--rss-tolerance", "0.25");
        Assert.True(soak.ExitCode == 0, soak.Output + soak.Error);
        Assert.Contains("invalid images answered with their error: 150 of 150", soak.Output);
        Assert.Contains("live native tensors: 0 before, 0 after", soak.Output);
    }
}

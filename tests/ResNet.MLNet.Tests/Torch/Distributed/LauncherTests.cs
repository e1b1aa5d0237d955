using System.Collections;
using ResNet.MLNet.Tests.Pipeline;
using ResNet.MLNet.Tests.Support;
using ResNet.MLNet.Torch.Distributed;
using ResNet.MLNet.Tests.Samples.Cli;

namespace ResNet.MLNet.Tests.Torch.Distributed;

/// <summary><c>resnet-mlnet train … --nproc 2</c> and torchrun's environment convention.</summary>
[Collection("Pipeline")]
public class LauncherTests(PipelineFixture fixture)
{
    [Fact]
    public void OptionsComeFromTorchrunsVariablesAndAMissingOneIsNamed()
    {
        var env = new Hashtable { ["MASTER_ADDR"] = "10.0.0.7", ["MASTER_PORT"] = "29411", ["RANK"] = "3", ["WORLD_SIZE"] = "8", ["LOCAL_RANK"] = "1" };
        var o = ProcessGroupOptions.FromEnvironment(new ProcessGroupOptions { Timeout = TimeSpan.FromSeconds(9), SyncBatchNorm = true }, env);
        Assert.Equal(("10.0.0.7", 29411, 3, 8, 1), (o.MasterAddress, o.MasterPort, o.Rank, o.WorldSize, o.LocalRank));
        Assert.Equal((TimeSpan.FromSeconds(9), true), (o.Timeout, o.SyncBatchNorm));
        env.Remove("RANK");
        Assert.Contains("RANK", Assert.Throws<ArgumentException>(() => ProcessGroupOptions.FromEnvironment(null, env)).Message);
        env["RANK"] = "8";
        Assert.Contains("Rank must be in [0, 8)", Assert.Throws<ArgumentException>(() => ProcessGroupOptions.FromEnvironment(null, env)).Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // --sync-bn: ResNet-20's BN synchronised through the ML.NET estimator
    public void TrainWithTwoLocalWorkersSavesOneModelFromRankZero(bool syncBn)
    {
        using var dir = new TempDir();
        var model = dir.File("two.zip");
        var args = new List<string>
        {
            "train", fixture.TestFolder, "--model", model, "--architecture", "resnet20", "--image-size", "8", "--channels", "1",
            "--resizing", "Fill", "--epochs", "1", "--batch-size", "16", "--validation-fraction", "0",
            "--nproc", "2", "--master-port", RankProcess.FreePort().ToString(), "--dist-timeout", "60",
        };
        if (syncBn) args.Add("--sync-bn");
        var run = CliTests.Cli(args.ToArray());
        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        Assert.Contains("launching ranks 0..1 of 2", run.Output);
        Assert.Single(run.Output.Split('\n'), l => l.Contains("epoch 1/1  loss")); // rank 0 speaks for the run
        Assert.True(File.Exists(model));
        Assert.Single(Directory.GetFiles(dir.Path));
    }
}

using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using ResNet.MLNet.Models.Pretrained;
using ResNet.MLNet.Tests.Support;

namespace ResNet.MLNet.Tests.Models.Pretrained;

/// <summary>Downloads against a loopback server of the test's own: success and cache, resume, hash pin, offline.</summary>
public class WeightsDownloaderTests
{
    private static byte[] Content(int seed = 7)
    {
        var bytes = new byte[300_000];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static string Sha(byte[] b) => Convert.ToHexStringLower(SHA256.HashData(b));

    private sealed class Recorder : IProgress<DownloadProgress>
    {
        public readonly List<DownloadProgress> Reports = new();
        public void Report(DownloadProgress value) { lock (Reports) Reports.Add(value); }
    }

    [Fact]
    public async Task DownloadsVerifiesAndReusesTheCachedFile()
    {
        var content = Content();
        using var server = new LoopbackServer(content);
        using var dir = new TempDir();
        var progress = new Recorder();
        var options = new DownloadOptions { CacheDirectory = dir.Path, Progress = progress };
        var path = await WeightsDownloader.DownloadAsync(server.Url, Sha(content).ToUpperInvariant(), options);
        Assert.Equal(dir.File("model.pth"), path);
        Assert.Equal(content, File.ReadAllBytes(path));
        Assert.False(File.Exists(path + ".partial"));
        Assert.Equal(new DownloadProgress(content.Length, content.Length, 0), progress.Reports[^1]);
        Assert.Single(server.Ranges);

        Assert.Equal(path, await WeightsDownloader.DownloadAsync(server.Url, Sha(content), options));
        Assert.Single(server.Ranges);  // served from the cache, no second request
    }

    [Fact]
    public async Task ADroppedConnectionResumesFromThePartialFile()
    {
        var content = Content(8);
        using var server = new LoopbackServer(content) { DropsLeft = 1 };
        using var dir = new TempDir();
        var once = new DownloadOptions { CacheDirectory = dir.Path, MaxAttempts = 1 };
        var e = await Assert.ThrowsAsync<WeightsDownloadException>(() => WeightsDownloader.DownloadAsync(server.Url, Sha(content), once));
        Assert.Contains(server.Url.ToString(), e.Message);
        long kept = new FileInfo(dir.File("model.pth.partial")).Length;
        Assert.InRange(kept, 1, content.Length - 1);

        var progress = new Recorder();
        var path = await WeightsDownloader.DownloadAsync(server.Url, Sha(content), new DownloadOptions { CacheDirectory = dir.Path, Progress = progress });
        Assert.Equal(content, File.ReadAllBytes(path));
        Assert.Equal($"bytes={kept}-", server.Ranges[^1]);
        Assert.Equal(kept, progress.Reports[0].ResumedFrom);

        // Within one call, retries resume by themselves.
        using var dir2 = new TempDir();
        server.DropsLeft = 2;
        path = await WeightsDownloader.DownloadAsync(server.Url, Sha(content), new DownloadOptions { CacheDirectory = dir2.Path });
        Assert.Equal(content, File.ReadAllBytes(path));
        Assert.StartsWith("bytes=", server.Ranges[^1]);
    }

    [Fact]
    public async Task AHashMismatchDeletesTheFile()
    {
        var content = Content(9);
        using var server = new LoopbackServer(content) { Substitute = Content(10) };
        using var dir = new TempDir();
        var e = await Assert.ThrowsAsync<InvalidDataException>(() =>
            WeightsDownloader.DownloadAsync(server.Url, Sha(content), new DownloadOptions { CacheDirectory = dir.Path }));
        Assert.Contains(server.Url.ToString(), e.Message);
        Assert.Contains(Sha(content), e.Message);
        Assert.Contains(Sha(Content(10)), e.Message);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public async Task OfflineIsAClearErrorNamingTheUrl()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();  // nothing listens there now
        var url = new Uri($"http://127.0.0.1:{port}/resnet18.pth");
        using var dir = new TempDir();
        var e = await Assert.ThrowsAsync<WeightsDownloadException>(() =>
            WeightsDownloader.DownloadAsync(url, new string('a', 64), new DownloadOptions { CacheDirectory = dir.Path, MaxAttempts = 2 }));
        Assert.StartsWith($"cannot download {url}", e.Message);
        Assert.Equal(url, e.Url);
        Assert.IsType<HttpRequestException>(e.InnerException);
        Assert.Contains("offline", e.Message);
    }

    [Fact]
    public void TheCacheFolderComesFromTheEnvironment()
    {
        var old = Environment.GetEnvironmentVariable(WeightsDownloader.HomeVariable);
        try
        {
            Environment.SetEnvironmentVariable(WeightsDownloader.HomeVariable, "/tmp/rn-home");
            Assert.Equal("/tmp/rn-home/weights", WeightsDownloader.DefaultCacheDirectory);
            Environment.SetEnvironmentVariable(WeightsDownloader.HomeVariable, null);
            Assert.EndsWith(".cache/resnet-mlnet/weights", WeightsDownloader.DefaultCacheDirectory);
        }
        finally
        {
            Environment.SetEnvironmentVariable(WeightsDownloader.HomeVariable, old);
        }
    }
}

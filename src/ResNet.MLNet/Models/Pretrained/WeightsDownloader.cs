using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace ResNet.MLNet.Models.Pretrained;

/// <summary>Progress of a download.</summary>
/// <param name="BytesReceived">Bytes in the file so far, including a resumed part.</param>
/// <param name="TotalBytes">The file's full size when the server said, else null.</param>
/// <param name="ResumedFrom">The byte the current request resumed from (0 for a fresh download).</param>
public sealed record DownloadProgress(long BytesReceived, long? TotalBytes, long ResumedFrom);

/// <summary>Options of <see cref="WeightsDownloader.DownloadAsync"/>.</summary>
public sealed class DownloadOptions
{
    /// <summary>The cache folder; null for <see cref="WeightsDownloader.DefaultCacheDirectory"/>.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>The file name in the cache; null for the last segment of the URL.</summary>
    public string? FileName { get; init; }

    /// <summary>Receives progress after each chunk (and once at the end).</summary>
    public IProgress<DownloadProgress>? Progress { get; init; }

    /// <summary>The client to use (proxies, handlers, tests); null for a shared default client.</summary>
    public HttpClient? HttpClient { get; init; }

    /// <summary>How many requests to make before giving up; each retry resumes where the last one stopped. Default 3.</summary>
    public int MaxAttempts { get; init; } = 3;
}

/// <summary>A download that could not complete: the server was unreachable, answered with an error, or the
/// connection broke more often than <see cref="DownloadOptions.MaxAttempts"/> allows. A partial file is kept for the next attempt.</summary>
public sealed class WeightsDownloadException : IOException
{
    /// <summary>Creates the exception for <paramref name="url"/>.</summary>
    public WeightsDownloadException(Uri url, string message, Exception? inner = null) : base(message, inner) => Url = url;

    /// <summary>The URL that failed.</summary>
    public Uri Url { get; }
}

/// <summary>
/// Downloads weight files into a local cache, pinned by SHA-256: a file is only moved into place after its hash
/// matches, an interrupted download resumes from its <c>.partial</c> file (HTTP Range), and a cached file is
/// re-verified before it is returned.
/// </summary>
public static class WeightsDownloader
{
    /// <summary>The environment variable naming the cache root.</summary>
    public const string HomeVariable = "RESNET_MLNET_HOME";

    private static readonly Lazy<HttpClient> SharedClient = new(() => new HttpClient { Timeout = Timeout.InfiniteTimeSpan });

    /// <summary>The cache folder: <c>$RESNET_MLNET_HOME/weights</c>, else <c>~/.cache/resnet-mlnet/weights</c>.</summary>
    public static string DefaultCacheDirectory
    {
        get
        {
            var home = Environment.GetEnvironmentVariable(HomeVariable);
            if (string.IsNullOrWhiteSpace(home))
                home = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "resnet-mlnet");
            return Path.Combine(home, "weights");
        }
    }

    /// <summary>
    /// Returns the path of the cached file for <paramref name="url"/>, downloading it first when it is absent or its
    /// hash is not <paramref name="sha256"/>.
    /// </summary>
    /// <param name="url">An http(s) URL.</param>
    /// <param name="sha256">The expected SHA-256 of the whole file, 64 hex digits.</param>
    /// <param name="options">Cache folder, file name, progress, client and retries; null for the defaults.</param>
    /// <param name="cancellationToken">Stops the download; the partial file is kept.</param>
    /// <exception cref="WeightsDownloadException">The server is unreachable (offline), answers with an error, or the
    /// transfer keeps breaking; the message names the URL.</exception>
    /// <exception cref="InvalidDataException">The downloaded bytes do not have the expected hash; the bad file is removed.</exception>
    public static async Task<string> DownloadAsync(Uri url, string sha256, DownloadOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new DownloadOptions();
        var expected = NormaliseHash(sha256);
        if (url.Scheme is not ("http" or "https")) throw new ArgumentException($"only http and https URLs are downloaded, got {url}", nameof(url));
        var name = options.FileName ?? Path.GetFileName(url.AbsolutePath);
        if (string.IsNullOrEmpty(name) || name != Path.GetFileName(name) || name is "." or "..")
            throw new ArgumentException($"cannot derive a file name from {url}; set DownloadOptions.FileName", nameof(options));
        var folder = options.CacheDirectory ?? DefaultCacheDirectory;
        Directory.CreateDirectory(folder);
        var target = Path.Combine(folder, name);
        var partial = target + ".partial";

        if (File.Exists(target))
        {
            if (await HashFileAsync(target, cancellationToken).ConfigureAwait(false) == expected) return target;
            File.Delete(target);  // stale or damaged: fetch it again
        }

        var client = options.HttpClient ?? SharedClient.Value;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await FetchAsync(client, url, partial, options.Progress, cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (Exception e) when (e is HttpRequestException or IOException && e is not WeightsDownloadException && !cancellationToken.IsCancellationRequested)
            {
                if (attempt >= Math.Max(1, options.MaxAttempts))
                {
                    long have = File.Exists(partial) ? new FileInfo(partial).Length : 0;
                    throw new WeightsDownloadException(url,
                        $"cannot download {url} ({e.Message}); {(have > 0 ? $"{have} bytes are kept in {partial} and the next attempt resumes from there" : "are you offline?")}", e);
                }
            }
        }

        var actual = await HashFileAsync(partial, cancellationToken).ConfigureAwait(false);
        if (actual != expected)
        {
            File.Delete(partial);
            throw new InvalidDataException($"{url}: the downloaded file has SHA-256 {actual} but {expected} was expected; it was deleted");
        }
        File.Move(partial, target, overwrite: true);
        return target;
    }

    private static async Task FetchAsync(HttpClient client, Uri url, string partial, IProgress<DownloadProgress>? progress, CancellationToken ct)
    {
        long start = File.Exists(partial) ? new FileInfo(partial).Length : 0;
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (start > 0) request.Headers.Range = new RangeHeaderValue(start, null);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);

        if (start > 0 && response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
            return;  // the partial file already holds everything; the hash check decides
        if (!response.IsSuccessStatusCode)
            throw new WeightsDownloadException(url, $"cannot download {url}: the server answered {(int)response.StatusCode} {response.ReasonPhrase}");

        bool resumed = start > 0 && response.StatusCode == HttpStatusCode.PartialContent &&
                       response.Content.Headers.ContentRange?.From == start;
        if (!resumed) start = 0;  // the server ignored the range: start over
        long? total = response.Content.Headers.ContentRange?.Length ??
                      (response.Content.Headers.ContentLength is { } length ? start + length : null);

        await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        await using var file = new FileStream(partial, resumed ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None);
        var buffer = new byte[1 << 16];
        long received = start;
        progress?.Report(new DownloadProgress(received, total, start));
        int n;
        while ((n = await body.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
        {
            await file.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
            received += n;
            progress?.Report(new DownloadProgress(received, total, start));
        }
        if (total is { } t && received < t) throw new IOException($"the connection closed after {received} of {t} bytes");
    }

    private static async Task<string> HashFileAsync(string path, CancellationToken ct)
    {
        await using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(f, ct).ConfigureAwait(false));
    }

    private static string NormaliseHash(string sha256)
    {
        var h = sha256.Trim().ToLowerInvariant();
        if (h.Length != 64 || !h.All(Uri.IsHexDigit)) throw new ArgumentException($"'{sha256}' is not a SHA-256 (64 hex digits)", nameof(sha256));
        return h;
    }
}

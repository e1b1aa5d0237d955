using System.Text.Json;
using ResNet.MLNet.Torch.Serialization;

namespace ResNet.MLNet.Models.Pretrained;

/// <summary>
/// Where the <c>Pretrained</c> option of the estimators points: a local weights file, or an http(s) URL fetched into
/// the cache by <see cref="WeightsDownloader"/> (pinned by SHA-256); and the input normalisation the weights were
/// trained with.
/// </summary>
public static class PretrainedSource
{
    /// <summary>The safetensors metadata key of the per-channel means (a JSON array) the weights expect.</summary>
    public const string MeanKey = "mean";
    /// <summary>The safetensors metadata key of the per-channel standard deviations (a JSON array).</summary>
    public const string StdKey = "std";

    /// <summary>The local path of <paramref name="fileOrUrl"/>: the file itself, or the cached download of a URL.</summary>
    /// <param name="fileOrUrl">A safetensors or PyTorch file, or an http(s) URL.</param>
    /// <param name="sha256">The URL's SHA-256 pin (required for a URL; checked for a file when given).</param>
    /// <param name="progress">Download progress, or null.</param>
    /// <param name="cancellationToken">Stops a download (the partial file is kept for the next attempt).</param>
    /// <exception cref="ArgumentException">A URL without a SHA-256 pin, or a file whose hash differs from the pin.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static string Resolve(string fileOrUrl, string? sha256, IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fileOrUrl);
        if (Uri.TryCreate(fileOrUrl, UriKind.Absolute, out var url) && url.Scheme is "http" or "https")
        {
            if (string.IsNullOrWhiteSpace(sha256))
                throw new ArgumentException($"pretrained weights at {url} need their SHA-256 (PretrainedSha256 / --pretrained-sha256) so that the download can be verified");
            return WeightsDownloader.DownloadAsync(url, sha256, new DownloadOptions { Progress = progress }, cancellationToken).GetAwaiter().GetResult();
        }
        if (!File.Exists(fileOrUrl)) throw new FileNotFoundException($"pretrained weights file not found: {fileOrUrl}", fileOrUrl);
        if (!string.IsNullOrWhiteSpace(sha256))
        {
            using var f = File.OpenRead(fileOrUrl);
            var actual = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(f));
            if (!string.Equals(actual, sha256.Trim(), StringComparison.OrdinalIgnoreCase))
                throw new ArgumentException($"pretrained weights file {fileOrUrl} has SHA-256 {actual}, not the expected {sha256.Trim()}");
        }
        return fileOrUrl;
    }

    /// <summary>
    /// The per-channel mean and standard deviation recorded in a safetensors file's metadata (<see cref="MeanKey"/>,
    /// <see cref="StdKey"/>; the classifier writes them into its weights), fitted to <paramref name="channels"/> (a
    /// recorded RGB triple is averaged for gray, a gray value repeated for RGB); null when the file records none, as
    /// torchvision's and timm's files do (they expect ImageNet's, the library default).
    /// </summary>
    public static (float[] Mean, float[] Std)? Normalisation(string path, int channels)
    {
        if (PyTorchCheckpoint.LooksLikePyTorchFile(path)) return null;
        var metadata = SafeTensors.ReadHeader(path).Metadata;
        if (!metadata.TryGetValue(MeanKey, out var mean) || !metadata.TryGetValue(StdKey, out var std)) return null;
        try
        {
            return (Fit(JsonSerializer.Deserialize<float[]>(mean)!, channels), Fit(JsonSerializer.Deserialize<float[]>(std)!, channels));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: the metadata '{MeanKey}'/'{StdKey}' are not JSON arrays of numbers ({e.Message})", e);
        }
    }

    /// <summary>The metadata entries recording <paramref name="mean"/> and <paramref name="std"/>.</summary>
    public static Dictionary<string, string> NormalisationMetadata(IReadOnlyList<float> mean, IReadOnlyList<float> std) => new()
    {
        [MeanKey] = JsonSerializer.Serialize(mean), [StdKey] = JsonSerializer.Serialize(std),
    };

    private static float[] Fit(float[] values, int channels) =>
        values.Length == channels || values.Length == 0 ? values : Enumerable.Repeat(values.Average(), channels).ToArray();
}

using System.Buffers.Binary;
using System.CommandLine;
using System.Diagnostics;
using Microsoft.ML;
using ResNet.MLNet.Data;
using ResNet.MLNet.Data.Sources;
using ResNet.MLNet.Torch;

namespace ResNet.MLNet.Cli;

/// <summary>
/// <c>soak MODEL IMAGES... --threads 8 --predictions 20000</c>: a long run of mixed valid and invalid images through
/// ML.NET prediction engines (one per thread, each on its own loaded copy of the model). Invalid images are made from the valid ones (empty, text, truncated, an
/// unsupported format, a decompression-bomb header, a zero-sized frame) and each must be answered with an error
/// naming it; each valid one with a prediction. Resident memory is sampled: after warm-up it must stay within
/// <c>--rss-tolerance</c> (default 5 %), and the native live-tensor count must end where it started.
/// </summary>
internal static class SoakCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "Model zip written by 'train'" };
        var images = new Argument<string[]>("images") { Description = "Valid image files or folders", Arity = ArgumentArity.OneOrMore };
        var threads = new Option<int>("--threads") { Description = "Threads, each with its own prediction engine", DefaultValueFactory = _ => 8 };
        var predictions = new Option<int>("--predictions") { Description = "Predictions per thread", DefaultValueFactory = _ => 20_000 };
        var invalidEvery = new Option<int>("--invalid-every") { Description = "Every n-th image is an invalid one", DefaultValueFactory = _ => 4 };
        var tolerance = new Option<double>("--rss-tolerance") { Description = "Allowed resident-memory growth after warm-up, as a fraction", DefaultValueFactory = _ => 0.05 };
        var shared = new Option<bool>("--shared-model") { Description = "All engines on one loaded model, disposed together at the end (see docs/limits.md)" };
        var command = new Command("soak", "Long multi-threaded prediction run with valid and invalid images: memory, leaks and errors") { model, images, threads, predictions, invalidEvery, tolerance, shared };
        command.SetAction(r => DataLoading.Run(() =>
        {
            int n = r.GetValue(threads), per = r.GetValue(predictions), every = r.GetValue(invalidEvery);
            if (n < 1 || per < 10 || every < 2) throw new ArgumentException("--threads must be ≥ 1, --predictions ≥ 10 and --invalid-every ≥ 2");
            var valid = r.GetValue(images)!.SelectMany(p => Directory.Exists(p) ? ImageFolderSource.ListImages(Path.GetFullPath(p)) : new[] { Path.GetFullPath(p) }).ToArray();
            if (valid.Length == 0) throw new ArgumentException("no images given");
            var scratch = Directory.CreateTempSubdirectory("resnet-mlnet-soak-").FullName;
            try { return Soak(r.GetValue(model)!, valid, Invalid(File.ReadAllBytes(valid[0]), scratch), n, per, every, r.GetValue(tolerance), r.GetValue(shared)); }
            finally { Directory.Delete(scratch, recursive: true); }
        }));
        return command;
    }

    /// <summary>Invalid images, each refused for a different reason, written to <paramref name="folder"/>.</summary>
    private static string[] Invalid(byte[] image, string folder)
    {
        var png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==");
        var bomb = (byte[])png.Clone();
        BinaryPrimitives.WriteUInt32BigEndian(bomb.AsSpan(16), 50_000);
        BinaryPrimitives.WriteUInt32BigEndian(bomb.AsSpan(20), 50_000);
        var zero = (byte[])png.Clone();
        BinaryPrimitives.WriteUInt32BigEndian(zero.AsSpan(16), 0);
        var files = new Dictionary<string, byte[]>
        {
            ["empty.png"] = Array.Empty<byte>(),
            ["text.jpg"] = "not an image at all"u8.ToArray(),
            ["truncated.jpg"] = image[..Math.Min(image.Length, 12)],
            ["tiff.png"] = new byte[] { 0x49, 0x49, 0x2A, 0x00, 8, 0, 0, 0, 0, 0, 0, 0 },
            ["bomb.png"] = bomb,
            ["zero.png"] = zero,
        };
        return files.Select(f =>
        {
            var path = Path.Combine(folder, f.Key);
            File.WriteAllBytes(path, f.Value);
            return path;
        }).ToArray();
    }

    private static int Soak(string modelPath, string[] valid, string[] invalid, int threads, int per, int every, double tolerance, bool sharedModel)
    {
        var ml = new MLContext(1).UseResNetScoringDefaults(threads: 1);
        var model = ml.Model.LoadChecked(modelPath, out _);
        long liveBefore = TorchRuntime.LiveTensors;
        int warmup = Math.Max(1, per / 10);
        long answered = 0, predicted = 0;
        var problems = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var rss = new List<(double Seconds, long Bytes)>();
        long baseline = 0;
        using var warmedUp = new CountdownEvent(threads);
        var sharedEngines = new System.Collections.Concurrent.ConcurrentBag<object>();
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            // Disposing an ML.NET 5.0.1 PredictionEngine disposes the ONNX Runtime session of its model: engines sharing
            // one loaded model are disposed only after every thread is done (below), as a pool keeps them.
            var own = sharedModel ? model : ml.Model.LoadChecked(modelPath, out _);
            var engine = ml.Model.CreatePredictionEngine<PredictCommand.Input, PredictCommand.Output>(own);
            for (int i = 0; i < per; i++)
            {
                if (i == warmup) warmedUp.Signal();
                bool bad = (i + t) % every == 0;
                var file = bad ? invalid[(i / every + t) % invalid.Length] : valid[(i + t) % valid.Length];
                try
                {
                    var score = engine.Predict(new PredictCommand.Input { ImagePath = file }).Score;
                    if (bad) problems.Enqueue($"{file}: invalid, but predicted");
                    else if (score.Length == 0 || Math.Abs(score.Sum() - 1) > 1e-3) problems.Enqueue($"{file}: probabilities sum to {score.Sum()}");
                    Interlocked.Increment(ref predicted);
                }
                catch (InvalidInputException e) when (bad && e.Message.Contains(file, StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref answered);
                }
                catch (Exception e)
                {
                    problems.Enqueue($"{file}: {e.GetType().Name}: {e.Message}" + (DataLoading.Verbose ? "\n" + e : ""));
                }
            }
            if (per <= warmup) warmedUp.Signal();
            if (sharedModel) { sharedEngines.Add(engine); return; }
            (engine as IDisposable)?.Dispose();
            (own as IDisposable)?.Dispose();
        }) { IsBackground = true }).ToList();
        workers.ForEach(w => w.Start());
        // Sample resident memory twice a second; the baseline is taken when every thread has finished warming up.
        while (workers.Any(w => w.IsAlive))
        {
            if (baseline == 0 && warmedUp.IsSet) baseline = ResidentBytes();
            rss.Add((clock.Elapsed.TotalSeconds, ResidentBytes()));
            workers.First(w => w.IsAlive).Join(500);
        }
        workers.ForEach(w => w.Join());
        foreach (var engine in sharedEngines) (engine as IDisposable)?.Dispose();
        long final = ResidentBytes();
        if (baseline == 0) baseline = rss.Count > 0 ? rss[0].Bytes : final;
        long peakAfterWarmup = rss.Where(s => s.Bytes > 0).Select(s => s.Bytes).DefaultIfEmpty(final).Max();
        long liveAfter = TorchRuntime.LiveTensors;
        long total = (long)threads * per, invalidCount = Enumerable.Range(0, threads).Sum(t => (long)Enumerable.Range(0, per).Count(i => (i + t) % every == 0));
        double growth = (double)(final - baseline) / baseline;
        Console.WriteLine($"soak: {threads} threads x {per:N0} predictions = {total:N0} in {clock.Elapsed.TotalSeconds:F1} s ({total / clock.Elapsed.TotalSeconds:F0}/s)");
        Console.WriteLine($"  valid images predicted: {predicted:N0} of {total - invalidCount:N0}; invalid images answered with their error: {answered:N0} of {invalidCount:N0}");
        Console.WriteLine($"  resident memory after warm-up {baseline / 1048576.0:F1} MiB, at the end {final / 1048576.0:F1} MiB ({growth:+0.0%;-0.0%}), " +
                          $"highest sample {peakAfterWarmup / 1048576.0:F1} MiB; {rss.Count} samples");
        Console.WriteLine($"  live native tensors: {liveBefore} before, {liveAfter} after");
        foreach (var p in problems.Take(10)) Console.WriteLine($"  problem: {p}");
        bool ok = problems.IsEmpty && answered == invalidCount && predicted == total - invalidCount && growth <= tolerance && liveAfter == liveBefore;
        Console.WriteLine(ok ? "soak passed" : $"soak FAILED ({problems.Count} problem(s); memory growth {growth:P1} against {tolerance:P0})");
        (model as IDisposable)?.Dispose();
        return ok ? 0 : 1;
    }

    private static long ResidentBytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) return long.Parse(line[6..].Trim().Split(' ')[0]) * 1024;
        return 0;
    }
}

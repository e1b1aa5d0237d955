using System.Diagnostics;
using ResNet.MLNet.Data;
using Xunit.Abstractions;

namespace ResNet.MLNet.Tests.Fuzz;

/// <summary>
/// Runs mutants of seed files through a loader and sorts every outcome: loaded, or refused with
/// <see cref="InvalidInputException"/> whose message names the file. Anything else — another exception type, a message
/// that does not name the file, a case slower than <see cref="CaseTimeLimit"/> (a hang), more managed allocation than
/// <see cref="AllocationLimit"/> on the case's thread, or the process's peak resident memory growing by more than
/// <see cref="PeakGrowthLimit"/> — is a failure. Counts are printed per format.
/// </summary>
public sealed class FuzzRunner(ITestOutputHelper output, string folder)
{
    public static readonly TimeSpan CaseTimeLimit = TimeSpan.FromSeconds(10);
    public const long AllocationLimit = 256L << 20, PeakGrowthLimit = 1L << 30;

    /// <summary>Cases per seed: <paramref name="inMakeTest"/>, or FUZZ_CASES × that / 1000 when FUZZ_CASES is set
    /// (<c>make fuzz</c>: FUZZ_CASES=20000 runs 20× more).</summary>
    public static int Cases(int inMakeTest) =>
        int.TryParse(Environment.GetEnvironmentVariable("FUZZ_CASES"), out var n) && n > 0 ? Math.Max(1, (int)((long)inMakeTest * n / 1000)) : inMakeTest;

    public void Run(string format, IEnumerable<Seed> seeds, int casesPerSeed, Action<string> load, int rngSeed = 1)
    {
        var work = Task.Run(() => RunAll(format, seeds.ToList(), casesPerSeed, load, rngSeed));
        // A hang shows as the whole run outliving a generous bound (each case is also timed below).
        if (!work.Wait(TimeSpan.FromMinutes(Environment.GetEnvironmentVariable("FUZZ_CASES") != null ? 120 : 5)))
            Assert.Fail($"{format}: the fuzz run did not finish: a case hangs");
        var failures = work.Result;
        Assert.True(failures.Count == 0, $"{format}: {failures.Count} case(s) failed:\n" + string.Join("\n", failures.Take(15)));
    }

    private List<string> RunAll(string format, List<Seed> seeds, int casesPerSeed, Action<string> load, int rngSeed)
    {
        var failures = new List<string>();
        var outcomes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        long peakBefore = PeakResidentBytes();
        var slowest = TimeSpan.Zero;
        long mostAllocated = 0;
        int cases = 0;
        var clock = Stopwatch.StartNew();
        foreach (var seed in seeds)
        {
            int index = 0;
            foreach (var (kind, bytes) in Mutator.Cases(seed, casesPerSeed, rngSeed + cases))
            {
                var path = Path.Combine(folder, $"{format}-{cases}-{kind}-{seed.Name}");
                File.WriteAllBytes(path, bytes);
                string outcome;
                long allocated = GC.GetAllocatedBytesForCurrentThread();
                var watch = Stopwatch.StartNew();
                try
                {
                    load(path);
                    outcome = "loaded";
                }
                catch (InvalidInputException e) when (e.Message.Contains(path, StringComparison.Ordinal))
                {
                    outcome = "refused";
                }
                catch (Exception e)
                {
                    outcome = "FAILED";
                    failures.Add($"{seed.Name} case {index} ({kind}, {bytes.Length} bytes): {e.GetType().FullName}: {e.Message.Split('\n')[0]}");
                    File.Copy(path, path + ".failed", overwrite: true);
                }
                watch.Stop();
                allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
                if (watch.Elapsed > CaseTimeLimit) failures.Add($"{seed.Name} case {index} ({kind}): took {watch.Elapsed.TotalSeconds:F1} s");
                if (allocated > AllocationLimit) failures.Add($"{seed.Name} case {index} ({kind}): allocated {allocated >> 20} MiB");
                slowest = watch.Elapsed > slowest ? watch.Elapsed : slowest;
                mostAllocated = Math.Max(mostAllocated, allocated);
                var key = $"{kind} {outcome}";
                outcomes[key] = outcomes.GetValueOrDefault(key) + 1;
                File.Delete(path);
                cases++;
                index++;
            }
        }
        long growth = PeakResidentBytes() - peakBefore;
        if (growth > PeakGrowthLimit) failures.Add($"peak resident memory grew by {growth >> 20} MiB");
        output.WriteLine($"fuzz {format}: {cases} cases from {seeds.Count} seed(s) in {clock.Elapsed.TotalSeconds:F1} s: " +
                         $"{outcomes.Where(o => o.Key.EndsWith(" loaded")).Sum(o => o.Value)} loaded, {outcomes.Where(o => o.Key.EndsWith(" refused")).Sum(o => o.Value)} refused, " +
                         $"{failures.Count} failed; slowest case {slowest.TotalMilliseconds:F0} ms, most managed allocation {mostAllocated >> 10} KiB, " +
                         $"peak RSS growth {Math.Max(0, growth) >> 20} MiB");
        output.WriteLine("  " + string.Join(", ", outcomes.Select(o => $"{o.Key} {o.Value}")));
        return failures;
    }

    /// <summary>The process's peak resident set (VmHWM), in bytes.</summary>
    public static long PeakResidentBytes() => StatusKiB("VmHWM") * 1024;

    /// <summary>The process's resident set (VmRSS), in bytes.</summary>
    public static long ResidentBytes() => StatusKiB("VmRSS") * 1024;

    private static long StatusKiB(string key)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(key + ":", StringComparison.Ordinal))
                return long.Parse(line[(key.Length + 1)..].Trim().Split(' ')[0]);
        return 0;
    }
}

using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ResNet.MLNet.Bench;

/// <summary>
/// The PyTorch side: <c>bench/pytorch_worker.py</c> run by Debian's <c>/usr/bin/python3</c> (python3-torch), driven one
/// JSON line at a time so that its repetitions interleave with ours. It times itself, so the pipe costs nothing.
/// </summary>
public sealed class PyTorchWorker : IDisposable
{
    private readonly Process _process;

    /// <summary>PyTorch's version string as the worker reports it.</summary>
    public string TorchVersion { get; }

    /// <summary>The worker's variant: <c>plain</c> or <c>tuned</c> (see the script's header).</summary>
    public string Variant { get; }

    /// <summary>Starts the <paramref name="variant"/> worker with <paramref name="threads"/> intra-op threads and
    /// <paramref name="environment"/> added to its environment.</summary>
    public PyTorchWorker(string script, int threads, string variant = "plain", IReadOnlyDictionary<string, string>? environment = null,
        string python = "/usr/bin/python3")
    {
        if (!File.Exists(script)) throw new FileNotFoundException($"PyTorch worker script not found: {script}", script);
        if (!File.Exists(python)) throw new FileNotFoundException($"{python} not found: install python3-torch (make deps)", python);
        Variant = variant;
        var info = new ProcessStartInfo(python, new[] { script, variant })
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = false, UseShellExecute = false,
        };
        info.Environment["OMP_NUM_THREADS"] = threads.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;
        _process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {python} {script}");
        var reply = Ask(new JsonObject { ["threads"] = threads });
        TorchVersion = reply["torch"]?.GetValue<string>() ?? "?";
    }

    /// <summary>Seconds PyTorch takes for the case's iterations.</summary>
    public double Time(BenchCase benchCase)
    {
        var spec = JsonSerializer.SerializeToNode(benchCase)!;
        var reply = Ask(new JsonObject { ["case"] = benchCase.Name, ["iterations"] = benchCase.Iterations, ["spec"] = spec });
        return reply["seconds"]?.GetValue<double>() ?? throw new InvalidDataException("PyTorch worker replied without 'seconds'");
    }

    private JsonNode Ask(JsonObject request)
    {
        _process.StandardInput.WriteLine(request.ToJsonString());
        _process.StandardInput.Flush();
        var line = _process.StandardOutput.ReadLine()
                   ?? throw new InvalidOperationException($"the PyTorch worker exited (code {(_process.HasExited ? _process.ExitCode : -1)}); see its error output above");
        return JsonNode.Parse(line) ?? throw new InvalidDataException($"PyTorch worker sent '{line}'");
    }

    /// <summary>Closes the worker's input and waits for it to exit.</summary>
    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(10_000)) _process.Kill();
        }
        finally
        {
            _process.Dispose();
        }
    }
}

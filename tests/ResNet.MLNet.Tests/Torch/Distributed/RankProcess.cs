using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ResNet.MLNet.Tests.Torch.Distributed;

/// <summary>A rank started as a child process, its output collected as it comes; killed (with its children) when
/// disposed or when it overruns a wait, so no test can hang on it.</summary>
internal sealed class RankProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new(), _error = new();

    public TaskCompletionSource<bool> FirstLine { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private RankProcess(ProcessStartInfo psi)
    {
        psi.RedirectStandardOutput = psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        psi.Environment["RESNET_MLNET_THREADS"] = "1";
        psi.Environment["OMP_NUM_THREADS"] = "1";
        _process = new Process { StartInfo = psi };
        _process.OutputDataReceived += (_, e) => { if (e.Data == null) return; lock (_output) _output.AppendLine(e.Data); FirstLine.TrySetResult(true); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (_error) _error.AppendLine(e.Data); };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>A rank of resnet-dist-worker (built beside the tests).</summary>
    public static RankProcess Worker(params object[] args) => Start("dotnet", new object[] { Path.Combine(AppContext.BaseDirectory, "resnet-dist-worker.dll") }.Concat(args));

    /// <summary>A Python script of Python/ under Debian's interpreter.</summary>
    public static RankProcess Python(string script, params object[] args) =>
        Start(Support.PythonReference.Interpreter, new object[] { Path.Combine(Support.PythonReference.ScriptDirectory, script) }.Concat(args));

    private static RankProcess Start(string program, IEnumerable<object> args)
    {
        var psi = new ProcessStartInfo(program);
        foreach (var a in args) psi.ArgumentList.Add(Convert.ToString(a, System.Globalization.CultureInfo.InvariantCulture)!);
        psi.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        return new RankProcess(psi);
    }

    public string Output { get { lock (_output) return _output.ToString(); } }
    public string Error { get { lock (_error) return _error.ToString(); } }
    public bool HasExited => _process.HasExited;

    /// <summary>Waits for the exit; kills the process and fails the test when it overruns <paramref name="limit"/>.</summary>
    public int WaitForExit(TimeSpan limit, string what)
    {
        if (!_process.WaitForExit(limit))
        {
            Kill();
            Assert.Fail($"{what} did not exit within {limit.TotalSeconds} s; output:\n{Output}\nerror:\n{Error}");
        }
        _process.WaitForExit(); // drains the redirected output
        return _process.ExitCode;
    }

    public void Kill()
    {
        try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
    }

    public void Dispose()
    {
        if (!_process.HasExited) Kill();
        _process.Dispose();
    }

    /// <summary>A TCP port free on the loopback now (the OS picks it).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

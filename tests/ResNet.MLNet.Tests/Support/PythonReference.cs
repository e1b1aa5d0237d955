using System.Diagnostics;

namespace ResNet.MLNet.Tests.Support;

/// <summary>
/// Runs the reference scripts in Python/ with Debian's /usr/bin/python3 (python3-torch, python3-torchvision), so
/// that expected values come from real PyTorch on this machine, never from numbers typed into a test.
/// </summary>
public static class PythonReference
{
    public const string Interpreter = "/usr/bin/python3";

    public static string ScriptDirectory => Path.Combine(AppContext.BaseDirectory, "Python");

    /// <summary>Runs <paramref name="script"/> with arguments and returns its standard output; fails with its stderr.</summary>
    public static string Run(string script, params string[] args)
    {
        var psi = new ProcessStartInfo(Interpreter)
        {
            WorkingDirectory = ScriptDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(ScriptDirectory, script));
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        psi.Environment["OMP_NUM_THREADS"] = "2";
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + Interpreter);
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{script} {string.Join(' ', args)} failed ({p.ExitCode}):\n{stderr.Result}");
        return stdout;
    }
}

/// <summary>A temporary directory deleted on dispose.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("resnet-mlnet-test-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

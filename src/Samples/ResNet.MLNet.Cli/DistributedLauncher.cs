using System.Diagnostics;
using System.Reflection;
using ResNet.MLNet.Torch.Distributed;

namespace ResNet.MLNet.Cli;

/// <summary>
/// <c>train … --nproc N [--nnodes M --node-rank K --master-addr HOST --master-port P]</c>: starts this machine's N
/// workers (the same command) with torchrun's environment (<c>RANK</c>, <c>WORLD_SIZE</c>, <c>LOCAL_RANK</c>,
/// <c>MASTER_ADDR</c>, <c>MASTER_PORT</c>) and the cores split between them, relays rank 0's output and every rank's
/// errors, and stops the others as soon as one fails (as torchrun does).
/// </summary>
internal static class DistributedLauncher
{
    /// <summary>Launch settings from the command line.</summary>
    public sealed record Plan(int ProcessesPerNode, int Nodes, int NodeRank, string MasterAddress, int MasterPort);

    /// <summary>Whether this process is a worker started by a launcher (ours or torchrun).</summary>
    public static bool IsWorker => ProcessGroupOptions.InEnvironment();

    /// <summary>The process-group settings of a worker: torchrun's variables, the timeout and synchronised BN from the command line.</summary>
    public static ProcessGroupOptions? WorkerOptions(double timeoutSeconds, bool syncBatchNorm = false) => IsWorker
        ? ProcessGroupOptions.FromEnvironment(new ProcessGroupOptions { Timeout = TimeSpan.FromSeconds(timeoutSeconds), SyncBatchNorm = syncBatchNorm })
        : null;

    /// <summary>Runs this node's workers with the same <paramref name="args"/>; returns 0 or the first failure's exit code.</summary>
    public static int Launch(string[] args, Plan plan)
    {
        if (plan.ProcessesPerNode < 1 || plan.Nodes < 1) throw new ArgumentException("--nproc and --nnodes must be at least 1");
        if (plan.NodeRank < 0 || plan.NodeRank >= plan.Nodes) throw new ArgumentException($"--node-rank must be in [0, {plan.Nodes}), got {plan.NodeRank}");
        int world = plan.ProcessesPerNode * plan.Nodes, threads = Math.Max(1, Environment.ProcessorCount / plan.ProcessesPerNode);
        Console.WriteLine($"launching ranks {plan.NodeRank * plan.ProcessesPerNode}..{(plan.NodeRank + 1) * plan.ProcessesPerNode - 1} of {world} " +
                          $"(master {plan.MasterAddress}:{plan.MasterPort}, {threads} thread(s) each)");
        var workers = Enumerable.Range(0, plan.ProcessesPerNode).Select(local => Start(args, plan, local, world, threads)).ToList();
        int result = 0;
        var pending = workers.ToList();
        while (pending.Count > 0)
        {
            var done = pending.FirstOrDefault(w => w.Process.HasExited);
            if (done.Process == null) { Thread.Sleep(50); continue; }
            pending.Remove(done);
            done.Process.WaitForExit();
            if (done.Process.ExitCode != 0 && result == 0)
            {
                result = done.Process.ExitCode;
                Console.Error.WriteLine($"error: rank {done.Rank} exited with code {result}; stopping the other ranks of this node");
                foreach (var w in pending) try { w.Process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            }
        }
        foreach (var w in workers) w.Process.Dispose();
        return result;
    }

    private static (Process Process, int Rank) Start(string[] args, Plan plan, int local, int world, int threads)
    {
        int rank = plan.NodeRank * plan.ProcessesPerNode + local;
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("cannot locate this program to start workers");
        var psi = new ProcessStartInfo(self) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") psi.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        foreach (var a in args) psi.ArgumentList.Add(a);
        var env = psi.Environment;
        (env["RANK"], env["WORLD_SIZE"], env["LOCAL_RANK"]) = (rank.ToString(), world.ToString(), local.ToString());
        (env["MASTER_ADDR"], env["MASTER_PORT"]) = (plan.MasterAddress, plan.MasterPort.ToString());
        env["RESNET_MLNET_THREADS"] = threads.ToString();
        env["OMP_NUM_THREADS"] = threads.ToString();
        var p = new Process { StartInfo = psi };
        // Rank 0 speaks for the run; every rank's errors are shown, marked with the rank.
        p.OutputDataReceived += (_, e) => { if (e.Data != null && rank == 0) Console.WriteLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data != null) Console.Error.WriteLine($"[rank {rank}] {e.Data}"); };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return (p, rank);
    }
}

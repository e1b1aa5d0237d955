using System.Collections;
using System.Globalization;

namespace ResNet.MLNet.Torch.Distributed;

/// <summary>
/// How a process joins a <see cref="ProcessGroup"/>: the rendezvous address (rank 0 serves a c10d TCPStore there), this
/// process's rank, the world size and the timeout of every blocking call. <see cref="FromEnvironment"/> reads torchrun's
/// convention (<c>MASTER_ADDR</c>, <c>MASTER_PORT</c>, <c>RANK</c>, <c>WORLD_SIZE</c>, <c>LOCAL_RANK</c>).
/// </summary>
public sealed record ProcessGroupOptions
{
    /// <summary>Host name or address of the master (rank 0). Default <c>127.0.0.1</c>.</summary>
    public string MasterAddress { get; init; } = "127.0.0.1";

    /// <summary>TCP port of the rendezvous store on the master. Default 29500 (torchrun's).</summary>
    public int MasterPort { get; init; } = 29500;

    /// <summary>This process's rank in [0, <see cref="WorldSize"/>). Default 0.</summary>
    public int Rank { get; init; }

    /// <summary>The number of processes in the group. Default 1.</summary>
    public int WorldSize { get; init; } = 1;

    /// <summary>This process's index among the processes of its machine (informational: selects the GPU on CUDA
    /// machines). Default 0.</summary>
    public int LocalRank { get; init; }

    /// <summary>Longest wait of the rendezvous and of every collective; a rank that died or stalled makes the others
    /// fail within it (a rank that died usually much sooner: its connections close). Default 5 minutes.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The network interface Gloo binds (<c>GLOO_SOCKET_IFNAME</c>, e.g. <c>eth0</c>). Default null: the
    /// loopback when the master is local, else the address this host's name resolves to.</summary>
    public string? NetworkInterface { get; init; }

    /// <summary>When true no rank starts the store: an agent (torchrun's elastic agent) already serves it, and keys live
    /// under <c>/worker/attempt_{n}</c> (torchrun's <c>TORCHELASTIC_USE_AGENT_STORE</c>). Default false: rank 0
    /// serves the store, as <c>init_process_group</c> with <c>env://</c> or <c>tcp://</c> does.</summary>
    public bool UseAgentStore { get; init; }

    /// <summary>Synchronised batch normalisation (<c>torch.nn.SyncBatchNorm</c>'s semantics): in training mode every
    /// <see cref="Modules.BatchNorm2d"/> normalises with the mean and variance of the whole group's batch (two small
    /// all-reduces per BN layer and step: the statistics in forward, the gradient terms in backward) and updates its
    /// running statistics with them, so every rank keeps the same ones. Default false: per-rank batch statistics, as
    /// DDP without SyncBatchNorm (rank 0's running statistics are copied to every rank after each epoch).</summary>
    public bool SyncBatchNorm { get; init; }

    /// <summary>Overlap the gradient all-reduce with backward, as DDP's reducer does: hooks on the parameters' gradient
    /// accumulators launch each bucket's asynchronous all-reduce as soon as backward has produced its gradients (buckets in
    /// reverse parameter order, the first capped at 1 MiB), and <see cref="ProcessGroup.AllReduceGradients"/> then only
    /// waits for them. The hooks are installed at the first <see cref="ProcessGroup.AllReduceGradients"/> (that step is
    /// not overlapped) and stay until the group is disposed: meanwhile every backward through those parameters must be
    /// followed by one <see cref="ProcessGroup.AllReduceGradients"/> on every rank. Default false (docs/distributed.md
    /// has the measurements).</summary>
    public bool OverlapGradientAllReduce { get; init; }

    /// <summary>Gradients are all-reduced in buckets of at most this many bytes (PyTorch DDP's default bucket is 25 MiB;
    /// with <see cref="OverlapGradientAllReduce"/> the first bucket is capped at 1 MiB as in DDP). Default 25 MiB.</summary>
    public long GradientBucketBytes { get; init; } = 25L << 20;

    /// <summary>The elastic restart attempt, for the agent store's key prefix. Default 0.</summary>
    public int RestartCount { get; init; }

    /// <summary>Whether the environment describes a process group (<c>WORLD_SIZE</c> and <c>RANK</c> are set).</summary>
    public static bool InEnvironment(IDictionary? environment = null)
    {
        var env = environment ?? Environment.GetEnvironmentVariables();
        return env["WORLD_SIZE"] is string && env["RANK"] is string;
    }

    /// <summary>
    /// Reads torchrun's variables: <c>RANK</c> and <c>WORLD_SIZE</c> (required), <c>MASTER_ADDR</c>, <c>MASTER_PORT</c>,
    /// <c>LOCAL_RANK</c>, <c>GLOO_SOCKET_IFNAME</c>, <c>TORCHELASTIC_USE_AGENT_STORE</c>, <c>TORCHELASTIC_RESTART_COUNT</c>;
    /// the rest of the settings come from <paramref name="defaults"/>. Throws naming a missing or malformed variable.
    /// </summary>
    public static ProcessGroupOptions FromEnvironment(ProcessGroupOptions? defaults = null, IDictionary? environment = null)
    {
        var env = environment ?? Environment.GetEnvironmentVariables();
        var o = defaults ?? new ProcessGroupOptions();
        string? Get(string name) => env[name] as string is { Length: > 0 } s ? s : null;
        int Int(string name, int? fallback)
        {
            var s = Get(name);
            if (s == null) return fallback ?? throw new ArgumentException($"environment variable {name} is not set (torchrun's convention needs RANK and WORLD_SIZE)");
            return int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
                ? v : throw new ArgumentException($"environment variable {name}='{s}' is not an integer");
        }
        return (o with
        {
            MasterAddress = Get("MASTER_ADDR") ?? o.MasterAddress,
            MasterPort = Int("MASTER_PORT", o.MasterPort),
            Rank = Int("RANK", null),
            WorldSize = Int("WORLD_SIZE", null),
            LocalRank = Int("LOCAL_RANK", o.LocalRank),
            NetworkInterface = Get("GLOO_SOCKET_IFNAME") ?? o.NetworkInterface,
            UseAgentStore = string.Equals(Get("TORCHELASTIC_USE_AGENT_STORE"), "True", StringComparison.OrdinalIgnoreCase) || o.UseAgentStore,
            RestartCount = Int("TORCHELASTIC_RESTART_COUNT", o.RestartCount),
        }).Validated();
    }

    /// <summary>Checks the settings; throws naming the offending one. Returns this.</summary>
    public ProcessGroupOptions Validated()
    {
        if (string.IsNullOrWhiteSpace(MasterAddress)) throw new ArgumentException("MasterAddress is empty");
        if (MasterPort is < 1 or > 65535) throw new ArgumentException($"MasterPort must be in 1..65535, got {MasterPort}");
        if (WorldSize < 1) throw new ArgumentException($"WorldSize must be at least 1, got {WorldSize}");
        if (Rank < 0 || Rank >= WorldSize) throw new ArgumentException($"Rank must be in [0, {WorldSize}), got {Rank}");
        if (GradientBucketBytes <= 0) throw new ArgumentException($"GradientBucketBytes must be positive, got {GradientBucketBytes}");
        if (Timeout <= TimeSpan.Zero) throw new ArgumentException($"Timeout must be positive, got {Timeout}");
        return this;
    }
}

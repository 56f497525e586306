using System.Globalization;

namespace PgWire.Testing;

/// <summary>One server of a <see cref="PgTestCluster"/>.</summary>
public sealed class PgClusterNode
{
    internal PgClusterNode(string name, int port, string root)
    {
        Name = name;
        Port = port;
        Root = root;
    }

    /// <summary>primary, standby1, standby2, ...: also the standby's application_name on the primary.</summary>
    public string Name { get; }

    /// <summary>The loopback port it listens on.</summary>
    public int Port { get; }

    /// <summary>127.0.0.1:port, as a Host list entry.</summary>
    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>A connection string to this node alone (user postgres, trust login).</summary>
    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres";

    /// <summary>Whether the node is stopped (<see cref="PgTestCluster.StopAsync"/>).</summary>
    public bool IsStopped { get; internal set; }

    internal string Root { get; }

    internal string Data => Path.Combine(Root, "data");

    internal string Sockets => Path.Combine(Root, "sockets");

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Endpoint})";
}

/// <summary>
/// A throwaway replicated cluster on loopback ports: a primary and streaming standbys made with
/// <c>pg_basebackup -R</c>, each with its own replication slot, hot standby on. A test can stop a node (immediate
/// mode: a crash), start it again, and promote a standby. With <c>synchronous</c>, the primary commits only once
/// <c>standby1</c> has the WAL (<c>synchronous_standby_names = 'FIRST 1 (standby1)'</c>), so that a promoted standby1
/// holds every commit the primary acknowledged. Everything is stopped and deleted on dispose.
/// </summary>
public sealed class PgTestCluster : IAsyncDisposable
{
    private readonly string _bin;
    private readonly bool _asPostgres;
    private readonly string _root;
    private int _disposed;

    private PgTestCluster(string bin, bool asPostgres, string root, PgClusterNode primary, IReadOnlyList<PgClusterNode> standbys)
    {
        _bin = bin;
        _asPostgres = asPostgres;
        _root = root;
        Primary = primary;
        Standbys = standbys;
    }

    /// <summary>The node started as the primary (after a promotion, a standby is the primary instead).</summary>
    public PgClusterNode Primary { get; }

    /// <summary>The nodes started as standbys, in order: standby1, standby2, ...</summary>
    public IReadOnlyList<PgClusterNode> Standbys { get; }

    /// <summary>Every node: the primary first, then the standbys.</summary>
    public IEnumerable<PgClusterNode> Nodes => [Primary, .. Standbys];

    /// <summary>A multi-host connection string to every node (primary first) with <paramref name="extra"/> settings appended.</summary>
    public string ConnectionString(string extra = "") =>
        $"Host={string.Join(',', Nodes.Select(n => n.Endpoint))};Username=postgres;Database=postgres" + (extra.Length > 0 ? ";" + extra : "");

    /// <summary>Starts a primary and <paramref name="standbys"/> standbys and waits until every standby streams.</summary>
    public static async Task<PgTestCluster> StartAsync(int standbys = 2, bool synchronous = false, TextWriter? log = null)
    {
        var bin = PgTestServer.FindBinDirectory() ?? await PgTestServer.InstallServerAsync(log).ConfigureAwait(false);
        var asPostgres = Environment.UserName == "root";
        var root = Path.Combine(Path.GetTempPath(), "pgwire-cluster-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        var primary = NewNode("primary", root);
        var nodes = new List<PgClusterNode>();
        var cluster = new PgTestCluster(bin, asPostgres, root, primary, nodes);
        try
        {
            if (asPostgres) await Chown(root).ConfigureAwait(false);
            await cluster.RunAsync("initdb", ["-D", primary.Data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"], log).ConfigureAwait(false);
            await File.AppendAllTextAsync(Path.Combine(primary.Data, "postgresql.conf"), string.Join('\n',
                "listen_addresses = '127.0.0.1'",
                "max_connections = 300",
                "wal_level = replica",
                "max_wal_senders = 10",
                "max_replication_slots = 10",
                "hot_standby = on",
                "fsync = off",
                "full_page_writes = off",
                "wal_keep_size = 64MB",
                "log_min_messages = warning",
                synchronous ? "synchronous_commit = on" : "synchronous_commit = off",
                synchronous ? "synchronous_standby_names = 'FIRST 1 (standby1)'" : "",
                "") + "\n" + NodeSettings(primary)).ConfigureAwait(false);
            await File.WriteAllTextAsync(Path.Combine(primary.Data, "pg_hba.conf"), string.Join('\n',
                "local all all trust",
                "local replication all trust",
                "host replication all 127.0.0.1/32 trust",
                "host all all 127.0.0.1/32 trust",
                "") + "\n").ConfigureAwait(false);
            await cluster.StartNodeAsync(primary, log).ConfigureAwait(false);

            for (var i = 1; i <= standbys; i++)
            {
                var standby = NewNode($"standby{i}", root);
                nodes.Add(standby);
                if (asPostgres) await Chown(standby.Root).ConfigureAwait(false);
                var slot = $"slot{i}";
                await cluster.RunAsync("psql", ["-h", primary.Sockets, "-p", Port(primary), "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-q",
                    "-c", $"SELECT pg_create_physical_replication_slot('{slot}')"], log).ConfigureAwait(false);
                await cluster.RunAsync("pg_basebackup", ["-h", primary.Sockets, "-p", Port(primary), "-U", "postgres", "-D", standby.Data, "-X", "stream", "-S", slot, "-R", "--no-sync"], log).ConfigureAwait(false);
                // The copied postgresql.conf is the primary's: the later lines give the standby its own port and socket,
                // its name, and no synchronous standbys of its own (a promoted standby would otherwise wait for itself).
                await File.AppendAllTextAsync(Path.Combine(standby.Data, "postgresql.conf"), "\n" + NodeSettings(standby) + "synchronous_standby_names = ''\n").ConfigureAwait(false);
                // pg_basebackup -R wrote primary_conninfo to postgresql.auto.conf, which wins over postgresql.conf: the
                // standby's name (for synchronous_standby_names) goes there, after it.
                await File.AppendAllTextAsync(Path.Combine(standby.Data, "postgresql.auto.conf"), string.Join('\n',
                    $"primary_conninfo = 'host=127.0.0.1 port={primary.Port} user=postgres application_name={standby.Name}'",
                    $"primary_slot_name = '{slot}'",
                    "") + "\n").ConfigureAwait(false);
                await cluster.StartNodeAsync(standby, log).ConfigureAwait(false);
            }
            await cluster.WaitForStandbysAsync(nodes.Count).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stops <paramref name="node"/>: immediate (a crash, no goodbye to its sessions), fast or smart.</summary>
    public async Task StopAsync(PgClusterNode node, string mode = "immediate")
    {
        await RunAsync("pg_ctl", ["-D", node.Data, "-m", mode, "-w", "stop"], null).ConfigureAwait(false);
        node.IsStopped = true;
    }

    /// <summary>Starts a stopped node again on its port.</summary>
    public Task StartAgainAsync(PgClusterNode node) => StartNodeAsync(node, null);

    /// <summary>Promotes a standby to primary and waits until it accepts writes.</summary>
    public Task PromoteAsync(PgClusterNode standby) => RunAsync("pg_ctl", ["-D", standby.Data, "-w", "-t", "60", "promote"], null);

    /// <summary>Runs SQL on a node through psql (its Unix socket) and returns the output (unaligned, tuples only).</summary>
    public async Task<string> PsqlAsync(PgClusterNode node, string sql)
    {
        var output = new StringWriter();
        await RunAsync("psql", ["-h", node.Sockets, "-p", Port(node), "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-At", "-c", sql], output).ConfigureAwait(false);
        return output.ToString().Trim();
    }

    private async Task WaitForStandbysAsync(int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var streaming = await PsqlAsync(Primary, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'").ConfigureAwait(false);
            if (int.Parse(streaming, CultureInfo.InvariantCulture) >= count) return;
            if (DateTime.UtcNow > deadline) throw new InvalidOperationException($"Only {streaming} of {count} standbys stream after 60 s.");
            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    private static PgClusterNode NewNode(string name, string root)
    {
        var node = new PgClusterNode(name, PgTestServer.FreePort(), Path.Combine(root, name));
        Directory.CreateDirectory(node.Sockets);
        return node;
    }

    private static string NodeSettings(PgClusterNode node) =>
        $"port = {node.Port}\nunix_socket_directories = '{node.Sockets}'\ncluster_name = '{node.Name}'\n";

    private static string Port(PgClusterNode node) => node.Port.ToString(CultureInfo.InvariantCulture);

    private async Task StartNodeAsync(PgClusterNode node, TextWriter? log)
    {
        await RunAsync("pg_ctl", ["-D", node.Data, "-l", Path.Combine(node.Root, "server.log"), "-w", "-t", "60", "start"], log).ConfigureAwait(false);
        node.IsStopped = false;
    }

    private static Task Chown(string directory) => PgTestServer.RunAsync("chown", ["-R", "postgres:postgres", directory], false, null);

    private Task RunAsync(string tool, string[] arguments, TextWriter? log) => PgTestServer.RunAsync(Path.Combine(_bin, tool), arguments, _asPostgres, log);

    /// <summary>Stops every node and deletes the cluster's directory.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        foreach (var node in Nodes.Reverse())
        {
            if (!File.Exists(Path.Combine(node.Data, "postmaster.pid"))) continue;
            try
            {
                await RunAsync("pg_ctl", ["-D", node.Data, "-m", "immediate", "-w", "stop"], null).ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
                // Already stopped.
            }
        }
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}

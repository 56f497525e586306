using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace PgWire.Testing;

/// <summary>
/// A throwaway PgBouncer (Debian's <c>pgbouncer</c>) in front of a test server, on a free loopback port, in session or
/// transaction pool mode, with a small server pool so that clients really do share server sessions. Stopped and
/// deleted on dispose.
/// </summary>
public sealed class PgTestBouncer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _root;

    private PgTestBouncer(Process process, string root, int port, string poolMode)
    {
        _process = process;
        _root = root;
        Port = port;
        PoolMode = poolMode;
    }

    /// <summary>The loopback port PgBouncer listens on.</summary>
    public int Port { get; }

    /// <summary>session or transaction.</summary>
    public string PoolMode { get; }

    /// <summary>A connection string to the server's <c>postgres</c> database through PgBouncer, as user postgres.</summary>
    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres";

    /// <summary>The path of PgBouncer's executable, or null when it is not installed.</summary>
    public static string? FindExecutable() =>
        new[] { "/usr/sbin/pgbouncer", "/usr/bin/pgbouncer", "/usr/local/bin/pgbouncer" }.FirstOrDefault(File.Exists);

    /// <summary>Starts PgBouncer in <paramref name="poolMode"/> (session or transaction) in front of <paramref name="server"/>.</summary>
    /// <param name="server">The server it pools connections to.</param>
    /// <param name="poolMode">session or transaction.</param>
    /// <param name="serverPoolSize">Server sessions per user and database (default 3: fewer than the clients of a test).</param>
    public static async Task<PgTestBouncer> StartAsync(PgTestServer server, string poolMode, int serverPoolSize = 3)
    {
        ArgumentNullException.ThrowIfNull(server);
        var executable = FindExecutable() ?? throw new InvalidOperationException("PgBouncer is not installed: apt-get install -y pgbouncer");
        var asPostgres = Environment.UserName == "root";
        var root = Path.Combine(Path.GetTempPath(), "pgwire-bouncer-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        var port = PgTestServer.FreePort();
        var ini = Path.Combine(root, "pgbouncer.ini");
        await File.WriteAllTextAsync(Path.Combine(root, "userlist.txt"), "\"postgres\" \"\"\n").ConfigureAwait(false);
        await File.WriteAllTextAsync(ini, string.Join('\n',
            "[databases]",
            $"* = host={server.Host} port={server.Port.ToString(CultureInfo.InvariantCulture)}",
            "[pgbouncer]",
            "listen_addr = 127.0.0.1",
            $"listen_port = {port.ToString(CultureInfo.InvariantCulture)}",
            "unix_socket_dir =",
            "auth_type = trust",
            $"auth_file = {Path.Combine(root, "userlist.txt")}",
            $"pool_mode = {poolMode}",
            $"default_pool_size = {serverPoolSize.ToString(CultureInfo.InvariantCulture)}",
            "max_client_conn = 500",
            // PgWire sends extra_float_digits at login, which PgBouncer does not track: it is let through.
            "ignore_startup_parameters = extra_float_digits",
            $"logfile = {Path.Combine(root, "pgbouncer.log")}",
            $"pidfile = {Path.Combine(root, "pgbouncer.pid")}",
            "") + "\n").ConfigureAwait(false);
        if (asPostgres) await PgTestServer.RunAsync("chown", ["-R", "postgres:postgres", root], false, null).ConfigureAwait(false);

        var info = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root };
        // PgBouncer refuses to run as root; -u switches to the postgres user.
        if (asPostgres)
        {
            info.ArgumentList.Add("-u");
            info.ArgumentList.Add("postgres");
        }
        info.ArgumentList.Add(ini);
        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start pgbouncer.");
        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var bouncer = new PgTestBouncer(process, root, port, poolMode);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", port).ConfigureAwait(false);
                return bouncer;
            }
            catch (SocketException) when (clock.Elapsed < TimeSpan.FromSeconds(20) && !process.HasExited)
            {
                await Task.Delay(50).ConfigureAwait(false);
            }
            catch (SocketException)
            {
                var log = Path.Combine(root, "pgbouncer.log");
                var text = File.Exists(log) ? await File.ReadAllTextAsync(log).ConfigureAwait(false) : "(no log)";
                await bouncer.DisposeAsync().ConfigureAwait(false);
                throw new InvalidOperationException($"PgBouncer did not start listening on port {port}: {text}");
            }
        }
    }

    /// <summary>Stops PgBouncer and deletes its directory.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().ConfigureAwait(false);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}

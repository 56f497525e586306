using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace PgWire.Testing;

/// <summary>
/// A throwaway PostgreSQL cluster for tests, samples and benchmarks: initdb into a temporary directory, a server on a
/// free loopback port, one role per authentication method, and everything stopped and deleted on dispose. When the
/// process runs as root the cluster runs as the unprivileged <c>postgres</c> OS user, since PostgreSQL refuses root.
/// </summary>
public sealed class PgTestServer : IAsyncDisposable
{
    /// <summary>The password every test role has.</summary>
    public const string RolePassword = "pg wire \u00e9t\u00e9 pass";

    private readonly string? _root;
    private readonly X509Certificate2? _authority;
    private readonly string? _binDirectory;
    private readonly bool _asPostgresUser;
    private int _disposed;

    private PgTestServer(string host, int port, string? root, string? binDirectory, bool asPostgresUser, string connectionString, X509Certificate2? authority = null)
    {
        _authority = authority;
        RootCertificatePath = authority is null || root is null ? null : Path.Combine(root, "root.crt");
        Host = host;
        Port = port;
        _root = root;
        _binDirectory = binDirectory;
        _asPostgresUser = asPostgresUser;
        ConnectionString = connectionString;
    }

    /// <summary>The server's host (127.0.0.1 for a throwaway cluster).</summary>
    public string Host { get; }

    /// <summary>The server's port.</summary>
    public int Port { get; }

    /// <summary>A superuser connection string (trust authentication on a throwaway cluster).</summary>
    public string ConnectionString { get; }

    /// <summary>
    /// For a cluster started with TLS: a PEM file of the certificate authority that issued the server's certificate
    /// (which names <c>localhost</c> only, not 127.0.0.1); null otherwise.
    /// </summary>
    public string? RootCertificatePath { get; }

    /// <summary>
    /// Issues a client certificate for <paramref name="user"/> (its common name) from the cluster's authority and writes
    /// it to <paramref name="directory"/> as PEM <c>user.crt</c> and <c>user.key</c>; returns both paths. The role
    /// <c>pgwire_cert</c> logs in with a certificate only.
    /// </summary>
    public (string Certificate, string Key) CreateClientCertificate(string user, string directory)
    {
        var authority = _authority ?? throw new InvalidOperationException("This server was not started with TLS.");
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={user}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var issued = request.Create(authority, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), RandomSerial());
        var certificate = Path.Combine(directory, user + ".crt");
        var keyFile = Path.Combine(directory, user + ".key");
        File.WriteAllText(certificate, issued.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return (certificate, keyFile);
    }

    /// <summary>The throwaway cluster's PostgreSQL major version (from its data directory); null for an external server.</summary>
    public int? MajorVersion { get; private init; }

    /// <summary>True when this is a throwaway cluster with the per-method roles; false for an external server.</summary>
    public bool IsThrowaway => _root is not null;

    /// <summary>
    /// A connection string for the role that logs in with <paramref name="method"/>: trust, password, md5 or
    /// scram-sha-256. The role's password is <see cref="RolePassword"/>.
    /// </summary>
    public string ConnectionStringFor(string method, string? password = RolePassword)
    {
        var role = RoleFor(method);
        var text = $"Host={Host};Port={Port};Username={role};Database=postgres";
        return password is null ? text : text + $";Password={password}";
    }

    /// <summary>The role name used for an authentication method.</summary>
    public static string RoleFor(string method) => "pgwire_" + method.Replace("-", "_", StringComparison.Ordinal);

    /// <summary>
    /// For samples: the server whose connection string is in <paramref name="environmentVariable"/>, or else a throwaway
    /// cluster started now, saying so on <paramref name="console"/> (standard output by default). Disposing stops and
    /// deletes a throwaway cluster and leaves an external server alone.
    /// </summary>
    public static async Task<PgTestServer> FromEnvironmentOrStartAsync(string environmentVariable = "PGWIRE_CONNECTION", TextWriter? console = null)
    {
        console ??= Console.Out;
        if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(environmentVariable)))
            return await StartAsync(environmentVariable).ConfigureAwait(false);
        await console.WriteLineAsync($"{environmentVariable} is not set: starting a throwaway local PostgreSQL server...").ConfigureAwait(false);
        var server = await StartAsync(environmentVariable: null).ConfigureAwait(false);
        await console.WriteLineAsync($"Started PostgreSQL on {server.Host}:{server.Port} (deleted again on exit).").ConfigureAwait(false);
        return server;
    }

    /// <summary>
    /// Starts a throwaway cluster, or, when the environment variable named <paramref name="environmentVariable"/> holds
    /// a connection string, uses that server instead.
    /// </summary>
    /// <param name="environmentVariable">The variable that may name an external server; null never uses one.</param>
    /// <param name="log">Where the server tools' output goes.</param>
    /// <param name="tls">
    /// Starts the throwaway cluster with TLS on (a certificate for <c>localhost</c> from a throwaway authority, see
    /// <see cref="RootCertificatePath"/>), a role <c>pgwire_cert</c> that logs in by client certificate and a role
    /// <c>pgwire_tls_only</c> refused without TLS. Plain connections are still accepted for the other roles.
    /// </param>
    /// <param name="version">
    /// The PostgreSQL major version to run (13 to 18; see <see cref="PgServerBinaries"/>); null for the one
    /// <see cref="PgServerBinaries.VersionVariable"/> names, else the installed server.
    /// </param>
    public static async Task<PgTestServer> StartAsync(string? environmentVariable = "PGWIRE_TEST_CONNECTION", TextWriter? log = null, bool tls = false, int? version = null)
    {
        var external = environmentVariable is null ? null : Environment.GetEnvironmentVariable(environmentVariable);
        if (!string.IsNullOrWhiteSpace(external))
            return new PgTestServer(ReadKeyword(external, "Host") ?? "localhost", int.Parse(ReadKeyword(external, "Port") ?? "5432", System.Globalization.CultureInfo.InvariantCulture), null, null, false, external);

        // psql (for the roles below) is Debian's; the server may be another major's.
        var clientBin = FindBinDirectory() ?? await InstallServerAsync(log).ConfigureAwait(false);
        var major = version ?? PgServerBinaries.RequestedMajor();
        var bin = major is { } wanted ? await PgServerBinaries.ServerBinDirectoryAsync(wanted, log).ConfigureAwait(false) : clientBin;
        var asPostgres = Environment.UserName == "root";
        var root = Path.Combine(Path.GetTempPath(), "pgwire-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        var data = Path.Combine(root, "data");
        var sockets = Path.Combine(root, "sockets");
        Directory.CreateDirectory(sockets);
        try
        {
            if (asPostgres) await RunAsync("chown", ["-R", "postgres:postgres", root], false, null).ConfigureAwait(false);
            await RunAsync(Path.Combine(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"], asPostgres, log).ConfigureAwait(false);
            var port = FreePort();
            await File.AppendAllTextAsync(Path.Combine(data, "postgresql.conf"), string.Join('\n',
                $"port = {port}",
                "listen_addresses = '127.0.0.1'",
                $"unix_socket_directories = '{sockets}'",
                "max_connections = 300",
                "fsync = off",
                "synchronous_commit = off",
                "full_page_writes = off",
                "shared_buffers = 128MB",
                "log_min_messages = warning",
                "") + "\n").ConfigureAwait(false);
            X509Certificate2? authority = null;
            if (tls)
            {
                authority = WriteCertificates(data, root);
                await File.AppendAllTextAsync(Path.Combine(data, "postgresql.conf"),
                    "ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\nssl_ca_file = 'root.crt'\n").ConfigureAwait(false);
            }
            await File.WriteAllTextAsync(Path.Combine(data, "pg_hba.conf"), string.Join('\n',
                "local all all trust",
                "hostssl all pgwire_cert 127.0.0.1/32 cert",
                "hostnossl all pgwire_tls_only 127.0.0.1/32 reject",
                "host all pgwire_password 127.0.0.1/32 password",
                "host all pgwire_md5 127.0.0.1/32 md5",
                "host all pgwire_scram_sha_256 127.0.0.1/32 scram-sha-256",
                "host all all 127.0.0.1/32 trust",
                "") + "\n").ConfigureAwait(false);
            if (asPostgres) await RunAsync("chown", ["-R", "postgres:postgres", root], false, null).ConfigureAwait(false);
            await RunAsync(Path.Combine(bin, "pg_ctl"), ["-D", data, "-l", Path.Combine(root, "server.log"), "-w", "-t", "60", "start"], asPostgres, log).ConfigureAwait(false);

            var literal = RolePassword.Replace("'", "''", StringComparison.Ordinal);
            var setup = string.Join('\n',
                "CREATE ROLE pgwire_trust LOGIN;",
                $"SET password_encryption = 'scram-sha-256'; CREATE ROLE pgwire_password LOGIN PASSWORD '{literal}';",
                $"SET password_encryption = 'md5'; CREATE ROLE pgwire_md5 LOGIN PASSWORD '{literal}';",
                $"SET password_encryption = 'scram-sha-256'; CREATE ROLE pgwire_scram_sha_256 LOGIN PASSWORD '{literal}';",
                "CREATE ROLE pgwire_cert LOGIN;",
                "CREATE ROLE pgwire_tls_only LOGIN;",
                "GRANT ALL ON SCHEMA public TO PUBLIC;");
            await RunAsync(Path.Combine(clientBin, "psql"), ["-h", sockets, "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-q", "-c", setup], asPostgres, log).ConfigureAwait(false);
            return new PgTestServer("127.0.0.1", port, root, bin, asPostgres,
                $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres", authority)
            {
                MajorVersion = int.Parse(File.ReadAllText(Path.Combine(data, "PG_VERSION")).Trim(), System.Globalization.CultureInfo.InvariantCulture),
            };
        }
        catch
        {
            await StopAndDeleteAsync(bin, root, asPostgres).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Writes a throwaway certificate authority (<c>root.crt</c>, in the data directory and in <paramref name="root"/>)
    /// and a server certificate for <c>localhost</c> it issued (<c>server.crt</c>, <c>server.key</c>, readable by the
    /// server's user only, as PostgreSQL demands). Returns the authority, with its key, for client certificates.
    /// </summary>
    private static X509Certificate2 WriteCertificates(string data, string root)
    {
        using var authorityKey = RSA.Create(2048);
        var authorityRequest = new CertificateRequest("CN=PgWire throwaway test CA", authorityKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        authorityRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        authorityRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var authority = authorityRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-2), DateTimeOffset.UtcNow.AddDays(3650));

        using var serverKey = RSA.Create(2048);
        var serverRequest = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var server = serverRequest.Create(authority, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), RandomSerial());

        File.WriteAllText(Path.Combine(data, "root.crt"), authority.ExportCertificatePem());
        File.WriteAllText(Path.Combine(root, "root.crt"), authority.ExportCertificatePem());
        File.WriteAllText(Path.Combine(data, "server.crt"), server.ExportCertificatePem());
        var keyFile = Path.Combine(data, "server.key");
        File.WriteAllText(keyFile, serverKey.ExportPkcs8PrivateKeyPem());
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return authority;
    }

    private static byte[] RandomSerial() => RandomNumberGenerator.GetBytes(16);

    /// <summary>
    /// Restarts a throwaway server (pg_ctl restart, fast mode: every session is ended with FATAL 57P01 and the server
    /// comes back on the same port), for tests of what clients do when their server goes away and returns.
    /// </summary>
    /// <param name="mode">pg_ctl's shutdown mode: smart, fast or immediate (a crash: no goodbye to the sessions).</param>
    public async Task RestartAsync(string mode = "fast")
    {
        if (_root is null) throw new InvalidOperationException("Only a throwaway server can be restarted.");
        var data = Path.Combine(_root, "data");
        await RunAsync(Path.Combine(_binDirectory!, "pg_ctl"),
            ["-D", data, "-l", Path.Combine(_root, "server.log"), "-m", mode, "-w", "-t", "60", "restart"], _asPostgresUser, null).ConfigureAwait(false);
    }

    /// <summary>Stops the throwaway server, keeping its data (<see cref="StartAgainAsync"/> starts it again).</summary>
    /// <param name="mode">pg_ctl's shutdown mode: smart, fast or immediate.</param>
    public async Task StopAsync(string mode = "fast")
    {
        if (_root is null) throw new InvalidOperationException("Only a throwaway server can be stopped.");
        await RunAsync(Path.Combine(_binDirectory!, "pg_ctl"), ["-D", Path.Combine(_root, "data"), "-m", mode, "-w", "stop"], _asPostgresUser, null).ConfigureAwait(false);
    }

    /// <summary>Starts a throwaway server stopped with <see cref="StopAsync"/>, on the same port.</summary>
    public async Task StartAgainAsync()
    {
        if (_root is null) throw new InvalidOperationException("Only a throwaway server can be started again.");
        await RunAsync(Path.Combine(_binDirectory!, "pg_ctl"),
            ["-D", Path.Combine(_root, "data"), "-l", Path.Combine(_root, "server.log"), "-w", "-t", "60", "start"], _asPostgresUser, null).ConfigureAwait(false);
    }

    /// <summary>Stops the throwaway server and deletes its directory.</summary>
    public async ValueTask DisposeAsync()
    {
        _authority?.Dispose();
        if (Interlocked.Exchange(ref _disposed, 1) != 0 || _root is null) return;
        await StopAndDeleteAsync(_binDirectory!, _root, _asPostgresUser).ConfigureAwait(false);
    }

    private static async Task StopAndDeleteAsync(string bin, string root, bool asPostgres)
    {
        var data = Path.Combine(root, "data");
        if (File.Exists(Path.Combine(data, "postmaster.pid")))
        {
            try
            {
                await RunAsync(Path.Combine(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"], asPostgres, null).ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
                // Already stopped.
            }
        }
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>
    /// The server binaries: <c>pg_config --bindir</c>, else the newest <c>/usr/lib/postgresql/*/bin</c>; null when
    /// neither has <c>initdb</c>.
    /// </summary>
    public static string? FindBinDirectory()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("pg_config", "--bindir") { RedirectStandardOutput = true, RedirectStandardError = true });
            if (process is not null)
            {
                var output = process.StandardOutput.ReadToEnd().Trim();
                process.WaitForExit();
                if (process.ExitCode == 0 && File.Exists(Path.Combine(output, "initdb"))) return output;
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No pg_config on PATH.
        }
        var candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: double.TryParse(Path.GetFileName(d), System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : 0))
                .Where(c => File.Exists(Path.Combine(c.Dir, "initdb")))
                .OrderByDescending(c => c.Version)
                .ToList()
            : [];
        return candidates.Count > 0 ? candidates[0].Dir : null;
    }

    /// <summary>
    /// On a machine without the server binaries: installs Debian's postgresql package when running as root with
    /// apt-get (so the README's commands work on a fresh machine), otherwise explains what to install.
    /// </summary>
    internal static async Task<string> InstallServerAsync(TextWriter? log)
    {
        const string advice = "No PostgreSQL server binaries found (pg_config --bindir, /usr/lib/postgresql/*/bin). Install them: apt-get install -y postgresql";
        if (Environment.UserName != "root" || !File.Exists("/usr/bin/apt-get")) throw new InvalidOperationException(advice);
        Console.Error.WriteLine("PgWire.Testing: no PostgreSQL server binaries found; installing Debian's postgresql package (apt-get)...");
        await RunAsync("/bin/sh", ["-c", "DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql"], false, log).ConfigureAwait(false);
        // The package starts a cluster of its own on port 5432; the throwaway servers do not need it.
        try
        {
            await RunAsync("/bin/sh", ["-c", "service postgresql stop || true"], false, null).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
        }
        return FindBinDirectory() ?? throw new InvalidOperationException(advice + " (the install ran but initdb is still missing)");
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    internal static async Task RunAsync(string file, string[] arguments, bool asPostgres, TextWriter? log)
    {
        var info = new ProcessStartInfo(asPostgres ? "runuser" : file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        if (asPostgres)
        {
            foreach (var a in (string[])["-u", "postgres", "--", file]) info.ArgumentList.Add(a);
        }
        foreach (var a in arguments) info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().ConfigureAwait(false);
        var output = new StringBuilder().Append(await stdout.ConfigureAwait(false)).Append(await stderr.ConfigureAwait(false)).ToString();
        log?.Write(output);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(file)} failed with exit code {process.ExitCode}: {output}");
    }

    private static string? ReadKeyword(string connectionString, string keyword)
    {
        foreach (var part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && part[..eq].Trim().Equals(keyword, StringComparison.OrdinalIgnoreCase)) return part[(eq + 1)..].Trim();
            if (eq > 0 && keyword == "Host" && part[..eq].Trim().Equals("Server", StringComparison.OrdinalIgnoreCase)) return part[(eq + 1)..].Trim();
        }
        return null;
    }
}

using PgWire.Configuration;
using PgWire.Connection;
using PgWire.Pooling;

namespace PgWire;

/// <summary>
/// Turns a connection string's settings into what the layers below take. First the settings are completed as libpq
/// completes them (<see cref="Resolve"/>): a service file's, then the environment's (PGHOST, PGUSER, ...), then the
/// defaults (the local server's socket directory, the OS user, a database named as the user). Then the session's
/// options (login, TLS, timeouts, statement preparation; one per host) and the pool's (bounds, lifetimes).
/// </summary>
internal static class DataSourceSettings
{
    /// <summary>
    /// A copy of <paramref name="given"/> with what it leaves out filled from its service (Service, else PGSERVICE),
    /// then from <paramref name="environment"/>, then from the defaults.
    /// </summary>
    /// <exception cref="ArgumentException">A service that no file defines, a bad value in one, or in a variable (named).</exception>
    public static PgWireConnectionStringBuilder Resolve(PgWireConnectionStringBuilder given, Func<string, string?> environment)
    {
        var resolved = new PgWireConnectionStringBuilder(given.ConnectionString);
        var service = resolved.Service.Length > 0 ? resolved.Service : environment("PGSERVICE");
        if (!string.IsNullOrEmpty(service))
        {
            List<KeyValuePair<string, string>> pairs;
            try
            {
                pairs = ServiceFile.Find(service, ServiceFile.SearchPath(environment));
            }
            catch (FormatException e)
            {
                throw new ArgumentException(e.Message, "connectionString");
            }
            LibpqForms.ApplyPairs(resolved, pairs, onlyMissing: true, $"service '{service}'");
        }
        var hostAndPort = new List<KeyValuePair<string, string>>();
        foreach (var (variable, keyword) in LibpqEnvironment.Variables)
        {
            var value = environment(variable);
            if (string.IsNullOrEmpty(value)) continue;
            if (keyword is "host" or "port") hostAndPort.Add(new(keyword, value));
            else LibpqForms.ApplyPairs(resolved, [new(keyword, value)], onlyMissing: true, $"the environment variable {variable}");
        }
        if (hostAndPort.Count > 0) LibpqForms.ApplyPairs(resolved, hostAndPort, onlyMissing: true, "the environment variables PGHOST/PGPORT");

        if (resolved.Host.Trim().Length == 0) resolved.Host = DefaultHost(resolved.Port);
        if (resolved.Username.Length == 0) resolved.Username = Environment.UserName;
        if (resolved.Database.Length == 0) resolved.Database = resolved.Username;
        if (resolved.SslNegotiation == SslNegotiation.Direct && resolved.SslMode < SslMode.Require)
            throw new ArgumentException(
                $"SSL Negotiation=Direct needs SSL Mode Require, VerifyCA or VerifyFull (it is {resolved.SslMode}): a direct TLS connection cannot fall back to an unencrypted one.", "connectionString");
        if ((ConnectionKeywords.ProtocolMinor(resolved.MinProtocolVersion) ?? 0) > (ConnectionKeywords.ProtocolMinor(resolved.MaxProtocolVersion) ?? 2))
            throw new ArgumentException(
                $"Min Protocol Version {resolved.MinProtocolVersion} is above Max Protocol Version {resolved.MaxProtocolVersion}: no version is left to ask for.", "connectionString");
        return resolved;
    }

    /// <summary>libpq's default host: the local server's socket directory when its socket is there, else localhost.</summary>
    private static string DefaultHost(int port)
    {
        if (OperatingSystem.IsWindows()) return "localhost";
        foreach (var directory in (string[])["/var/run/postgresql", "/run/postgresql", "/tmp"])
            if (File.Exists(Path.Combine(directory, $".s.PGSQL.{port}"))) return directory;
        return "localhost";
    }

    /// <summary>The hosts of the resolved settings, each with its port.</summary>
    /// <exception cref="ArgumentException">A malformed host list.</exception>
    public static HostEndpoint[] Hosts(PgWireConnectionStringBuilder resolved)
    {
        try
        {
            return HostList.Parse(resolved.Host, resolved.Port);
        }
        catch (FormatException e)
        {
            throw new ArgumentException("The connection string's Host is not a host list: " + e.Message, "connectionString");
        }
    }

    /// <summary>The options of every session the data source opens on <paramref name="host"/> (the password comes per connection).</summary>
    /// <param name="settings">The resolved settings.</param>
    /// <param name="host">The host and its position in the list.</param>
    /// <param name="alwaysPrepare">Texts to prepare as named statements from their first use (shared, filled later).</param>
    /// <param name="telemetry">The host's loggers and instrumentation attributes.</param>
    /// <param name="initializer">SQL run once on every new physical connection, or null.</param>
    public static ConnectorOptions ToConnectorOptions(
        PgWireConnectionStringBuilder settings, (HostEndpoint Endpoint, int Index) host,
        System.Collections.Concurrent.ConcurrentDictionary<string, byte> alwaysPrepare, Diagnostics.DataSourceTelemetry telemetry, string? initializer) => new()
    {
        Host = host.Endpoint.Host,
        Port = host.Endpoint.Port,
        HostIndex = host.Index,
        Username = settings.Username,
        Password = settings.Password.Length > 0 ? settings.Password : null,
        Database = settings.Database,
        ApplicationName = settings.ApplicationName.Length > 0 ? settings.ApplicationName : settings.FallbackApplicationName,
        Options = settings.Options.Length > 0 ? settings.Options : null,
        Timezone = settings.Timezone.Length > 0 ? settings.Timezone : null,
        Initializer = initializer,
        ConnectTimeout = ConnectTimeout(settings),
        CommandTimeout = TimeSpan.FromSeconds(settings.CommandTimeout),
        CancellationGrace = TimeSpan.FromMilliseconds(settings.CancellationTimeout),
        MaxMessageSize = settings.MaxMessageSize,
        MaxAutoPrepare = settings.MaxAutoPrepare,
        AutoPrepareMinUsages = settings.AutoPrepareMinUsages,
        AlwaysPrepare = alwaysPrepare,
        TcpKeepAlive = (settings.TcpKeepAlive, settings.TcpKeepAliveTime, settings.TcpKeepAliveInterval, settings.TcpKeepAliveCount),
        TcpUserTimeout = settings.TcpUserTimeout,
        SslMode = settings.SslMode,
        ChannelBinding = settings.ChannelBinding,
        SslNegotiation = settings.SslNegotiation,
        RequireAuth = Connection.AuthRequirement.Parse(settings.RequireAuth),
        Keepalive = TimeSpan.FromSeconds(settings.Keepalive),
        MinProtocolMinor = ConnectionKeywords.ProtocolMinor(settings.MinProtocolVersion) ?? 0,
        MaxProtocolMinor = ConnectionKeywords.ProtocolMinor(settings.MaxProtocolVersion) ?? 2,
        MaxProtocolExplicit = settings.MaxProtocolVersion.Length > 0,
        RootCertificate = settings.RootCertificate.Length > 0 ? settings.RootCertificate : null,
        ClientCertificate = settings.SslCertificate.Length > 0 ? settings.SslCertificate : null,
        ClientKey = settings.SslKey.Length > 0 ? settings.SslKey : null,
        ClientKeyPassword = settings.SslPassword.Length > 0 ? settings.SslPassword : null,
        Telemetry = telemetry,
    };

    /// <summary>The pool's bounds and lifetimes.</summary>
    public static PoolOptions ToPoolOptions(PgWireConnectionStringBuilder settings, Diagnostics.DataSourceTelemetry telemetry) => new()
    {
        Telemetry = telemetry,
        Pooling = settings.Pooling,
        MinPoolSize = settings.MinPoolSize,
        MaxPoolSize = settings.MaxPoolSize,
        WaitTimeout = ConnectTimeout(settings),
        ConnectionLifetime = TimeSpan.FromSeconds(settings.ConnectionLifetime),
        IdleLifetime = TimeSpan.FromSeconds(settings.ConnectionIdleLifetime),
        PruningInterval = TimeSpan.FromSeconds(settings.ConnectionPruningInterval),
    };

    // Timeout=0 means no limit; 1024 s stands for it (a wait that long is a hang).
    private static TimeSpan ConnectTimeout(PgWireConnectionStringBuilder settings) =>
        TimeSpan.FromSeconds(settings.Timeout == 0 ? 1024 : settings.Timeout);
}

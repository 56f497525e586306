using PgWire.Connection;
using PgWire.Pooling;

namespace PgWire;

/// <summary>
/// Turns a connection string's settings into what the layers below take: the session's options (host, login, TLS,
/// timeouts, statement preparation) and the pool's (bounds, lifetimes). A host that cannot be one is refused here,
/// without repeating it (it may hold a whole libpq string, password included).
/// </summary>
internal static class DataSourceSettings
{
    /// <summary>The options of every session the data source opens.</summary>
    /// <param name="settings">The connection string's settings.</param>
    /// <param name="alwaysPrepare">Texts to prepare as named statements from their first use (shared, filled later).</param>
    /// <param name="telemetry">The data source's loggers and instrumentation attributes.</param>
    /// <exception cref="ArgumentException">No Host, or a Host that is a libpq string.</exception>
    public static ConnectorOptions ToConnectorOptions(
        PgWireConnectionStringBuilder settings, System.Collections.Concurrent.ConcurrentDictionary<string, byte> alwaysPrepare,
        Diagnostics.DataSourceTelemetry telemetry)
    {
        if (string.IsNullOrWhiteSpace(settings.Host))
            throw new ArgumentException("The connection string has no Host: give a host name, an IP address or a socket directory.");
        if (settings.Host.Contains('=', StringComparison.Ordinal))
            throw new ArgumentException(
                "The connection string's Host contains '=': it looks like a libpq 'host=... user=... password=...' string, which is not read here. Use Npgsql-style keywords: Host=...;Port=...;Username=...");
        var user = settings.Username.Length > 0 ? settings.Username : Environment.UserName;
        return new ConnectorOptions
        {
            Host = settings.Host,
            Port = settings.Port,
            Username = user,
            Password = settings.Password.Length > 0 ? settings.Password : null,
            Database = settings.Database.Length > 0 ? settings.Database : user,
            ApplicationName = settings.ApplicationName,
            ConnectTimeout = ConnectTimeout(settings),
            CommandTimeout = TimeSpan.FromSeconds(settings.CommandTimeout),
            CancellationGrace = TimeSpan.FromMilliseconds(settings.CancellationTimeout),
            MaxMessageSize = settings.MaxMessageSize,
            MaxAutoPrepare = settings.MaxAutoPrepare,
            AutoPrepareMinUsages = settings.AutoPrepareMinUsages,
            AlwaysPrepare = alwaysPrepare,
            SslMode = settings.SslMode,
            ChannelBinding = settings.ChannelBinding,
            RootCertificate = settings.RootCertificate.Length > 0 ? settings.RootCertificate : null,
            ClientCertificate = settings.SslCertificate.Length > 0 ? settings.SslCertificate : null,
            ClientKey = settings.SslKey.Length > 0 ? settings.SslKey : null,
            ClientKeyPassword = settings.SslPassword.Length > 0 ? settings.SslPassword : null,
            Telemetry = telemetry,
        };
    }

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

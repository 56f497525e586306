namespace PgWire.Connection;

/// <summary>What one physical connection needs to know, taken from the connection string by the layer above.</summary>
/// <remarks>Holds the password: never print it. <see cref="ToString"/> leaves it out.</remarks>
internal sealed record ConnectorOptions
{
    public required string Host { get; init; }
    public int Port { get; init; } = 5432;

    /// <summary>The position of <see cref="Host"/> in the data source's host list (which pool the connector belongs to).</summary>
    public int HostIndex { get; init; }
    public required string Username { get; init; }
    public string? Password { get; init; }
    public required string Database { get; init; }
    public string? ApplicationName { get; init; }

    /// <summary>Command-line options for the server's backend (the startup packet's <c>options</c>), or null.</summary>
    public string? Options { get; init; }

    /// <summary>SQL run once on every new session, before the type catalog is loaded (the data source's initialiser), or null.</summary>
    public string? Initializer { get; init; }

    /// <summary>The session's TimeZone sent at startup, or null for the server's.</summary>
    public string? Timezone { get; init; }

    /// <summary>TCP keepalive: on, and the idle time, interval and count (seconds; 0 = the system's).</summary>
    public (bool Enabled, int Time, int Interval, int Count) TcpKeepAlive { get; init; }

    /// <summary>TCP_USER_TIMEOUT in milliseconds (Linux); 0 = the system's.</summary>
    public int TcpUserTimeout { get; init; }
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Time a command may run before a CancelRequest is sent; zero means none.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Time to wait for the server to answer a cancellation before the connection is broken.</summary>
    public TimeSpan CancellationGrace { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The largest backend message accepted, in bytes.</summary>
    public int MaxMessageSize { get; init; } = 1024 * 1024 * 1024;

    /// <summary>Named (server-prepared) statements kept per connection; 0 uses only the unnamed statement (PgBouncer transaction mode).</summary>
    public int MaxAutoPrepare { get; init; } = 256;

    /// <summary>Uses of a SQL text after which it is prepared as a named statement.</summary>
    public int AutoPrepareMinUsages { get; init; } = 2;

    /// <summary>SQL texts prepared explicitly (ADO.NET Prepare, PgWireDataSource.Prepare): named from their first use on every connection.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, byte> AlwaysPrepare { get; init; } = new(StringComparer.Ordinal);

    /// <summary>How TLS is used (TCP connections only).</summary>
    public SslMode SslMode { get; init; } = SslMode.Prefer;

    /// <summary>How TLS starts: an SSLRequest first, or the handshake at once (direct, PostgreSQL 17+).</summary>
    public SslNegotiation SslNegotiation { get; init; }

    /// <summary>Whether a SCRAM login binds to the TLS channel.</summary>
    public ChannelBinding ChannelBinding { get; init; } = ChannelBinding.Prefer;

    /// <summary>A PEM file of the CA certificates the server's certificate must chain to; null uses the system's trust store.</summary>
    public string? RootCertificate { get; init; }

    /// <summary>The client certificate for certificate login: a PEM file (with <see cref="ClientKey"/>) or a PKCS#12 file.</summary>
    public string? ClientCertificate { get; init; }

    /// <summary>The PEM private key of <see cref="ClientCertificate"/>.</summary>
    public string? ClientKey { get; init; }

    /// <summary>The password of an encrypted client key or PKCS#12 file. A secret: never print it.</summary>
    public string? ClientKeyPassword { get; init; }

    /// <summary>How long a notification wait goes before an empty query checks the server (Keepalive); zero for never.</summary>
    public TimeSpan Keepalive { get; init; }

    /// <summary>The authentication methods the server may use (Require Auth); null for any.</summary>
    public AuthRequirement? RequireAuth { get; init; }

    /// <summary>The oldest protocol minor version the session may speak (Min Protocol Version).</summary>
    public int MinProtocolMinor { get; init; }

    /// <summary>The protocol minor version asked for (Max Protocol Version; 2 when not set).</summary>
    public int MaxProtocolMinor { get; init; } = 2;

    /// <summary>Whether Max Protocol Version was set: asked for as given, without the fallback for poolers.</summary>
    public bool MaxProtocolExplicit { get; init; }

    /// <summary>What this host turned out to speak at login, shared by its connections (the pooler fallback).</summary>
    public ProtocolMemory Protocol { get; init; } = new();

    /// <summary>The data source's loggers, span and metric attributes.</summary>
    public Diagnostics.DataSourceTelemetry Telemetry { get; init; } = Diagnostics.DataSourceTelemetry.Silent;

    public override string ToString() => $"Host={Host};Port={Port};Username={Username};Database={Database}";
}

/// <summary>
/// The protocol minor version a host is asked for: Max Protocol Version, lowered to 0 once a 3.2 login was refused by
/// a server or pooler that answers it with a protocol error instead of NegotiateProtocolVersion (and 3.0 then worked),
/// so that later connections do not pay for a refused attempt each.
/// </summary>
internal sealed class ProtocolMemory
{
    private volatile int _refusedMinor = -1;

    /// <summary>The minor version to ask for, given the configured one.</summary>
    public int Ask(int configured) => _refusedMinor >= 0 && configured >= _refusedMinor ? 0 : configured;

    /// <summary>Remembers that asking for <paramref name="minor"/> was refused at startup.</summary>
    public void Refused(int minor) => _refusedMinor = minor;
}

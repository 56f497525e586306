using System.Data.Common;
using System.Diagnostics.CodeAnalysis;

namespace PgWire;

/// <summary>
/// Builds and parses PgWire connection strings. Keywords follow Npgsql's (case-insensitive, with the usual synonyms:
/// Host/Server, Username/User Id/User/UID, Password/PWD, Database/DB, ...). An unknown keyword or a value of the wrong
/// form is an <see cref="ArgumentException"/> naming the keyword.
/// </summary>
/// <remarks><see cref="ToString"/> never shows the password; <see cref="DbConnectionStringBuilder.ConnectionString"/> does, as ADO.NET requires.</remarks>
[SuppressMessage("Design", "CA1010", Justification = "DbConnectionStringBuilder's collection shape is ADO.NET's.")]
public sealed class PgWireConnectionStringBuilder : DbConnectionStringBuilder
{
    /// <summary>Creates an empty builder.</summary>
    public PgWireConnectionStringBuilder() { }

    /// <summary>Creates a builder from a connection string in any of its forms (see <see cref="ConnectionString"/>).</summary>
    /// <param name="connectionString">The connection string to parse.</param>
    /// <exception cref="ArgumentException">An unknown keyword, a bad value, or a malformed URI; the message names the part.</exception>
    public PgWireConnectionStringBuilder(string connectionString) => ConnectionString = connectionString;

    /// <summary>
    /// The settings as a connection string. Setting it accepts three forms, which name the same settings: Npgsql-style
    /// <c>Host=db1,db2:5433;Username=app;Target Session Attributes=primary</c>; libpq's <c>host=db1,db2 port=5432,5433
    /// user=app target_session_attrs=primary</c> (spaces between pairs, single quotes around values with spaces); and
    /// URIs, <c>postgresql://app:secret@db1,db2:5433/shop?sslmode=require</c> (<c>postgres://</c> too). Getting it
    /// always gives the first form, with the password.
    /// </summary>
    /// <remarks>Set through a <see cref="DbConnectionStringBuilder"/> reference (this property hides the base class's,
    /// which is not virtual), only the first form is read.</remarks>
    /// <exception cref="ArgumentException">An unknown keyword, a bad value, or a malformed URI; the message names the part and never a password.</exception>
    [AllowNull]
    public new string ConnectionString
    {
        get => base.ConnectionString;
        set => LibpqForms.Apply(this, value ?? "", static (builder, text) => builder.SetBaseConnectionString(text));
    }

    private void SetBaseConnectionString(string text) => base.ConnectionString = text;

    /// <summary>
    /// The server: a host name, an IP address, or a directory holding the server's Unix-domain socket; or several,
    /// comma-separated, each with its own port where it differs from <see cref="Port"/> (<c>db1,db2:5433,[::1]:5434</c>),
    /// tried in order (see <see cref="TargetSessionAttributes"/>, <see cref="LoadBalanceHosts"/>). Without one, the
    /// PGHOST environment variable, else the local server's socket directory, else localhost, as libpq.
    /// </summary>
    public string Host { get => GetString("Host"); set => this["Host"] = value; }

    /// <summary>The server's TCP port (default 5432); a host of <see cref="Host"/> with its own port uses that.</summary>
    public int Port { get => GetInt("Port"); set => this["Port"] = value; }

    /// <summary>
    /// Which of the hosts a connection may be opened on (libpq's target_session_attrs): any (the default), read-write,
    /// read-only, primary, standby, prefer-primary or prefer-standby. A server's role is read from what it reports at
    /// login (in_hot_standby, default_transaction_read_only) or, before PostgreSQL 14, asked with one query.
    /// </summary>
    public TargetSession TargetSessionAttributes
    {
        get => TargetSessions.Parse(GetString("Target Session Attributes")) ?? TargetSession.Any;
        set => this["Target Session Attributes"] = TargetSessions.ToText(value);
    }

    /// <summary>
    /// Whether each new physical connection tries the hosts in a random order instead of the listed one, so that
    /// connections spread over them (libpq's load_balance_hosts=random; default false).
    /// </summary>
    public bool LoadBalanceHosts { get => GetBool("Load Balance Hosts"); set => this["Load Balance Hosts"] = value; }

    /// <summary>
    /// Seconds a host's state (down, primary, standby) is trusted before it is checked again (default 10): a host
    /// found down is not tried again before then, unless no other host will do.
    /// </summary>
    public int HostRecheckSeconds { get => GetInt("Host Recheck Seconds"); set => this["Host Recheck Seconds"] = value; }

    /// <summary>
    /// Command-line options sent to the server at login (libpq's options; PGOPTIONS), such as
    /// <c>-c search_path=app -c statement_timeout=5s</c>.
    /// </summary>
    public string Options { get => GetString("Options"); set => this["Options"] = value; }

    /// <summary>
    /// A password file in libpq's format (<c>host:port:database:user:password</c>) read when no password is given;
    /// default PGPASSFILE, else <c>~/.pgpass</c>. Ignored when others can read it.
    /// </summary>
    public string Passfile { get => GetString("Passfile"); set => this["Passfile"] = value; }

    /// <summary>
    /// A service of a connection service file (<c>~/.pg_service.conf</c>, <c>pg_service.conf</c> in PGSYSCONFDIR): its
    /// settings fill what the connection string leaves out (libpq's service; PGSERVICE).
    /// </summary>
    public string Service { get => GetString("Service"); set => this["Service"] = value; }

    /// <summary>The session's TimeZone, sent at login (PGTZ); by default the server's.</summary>
    public string Timezone { get => GetString("Timezone"); set => this["Timezone"] = value; }

    /// <summary>Whether TCP keepalives are sent on idle connections, so that a vanished server is found (libpq's keepalives; default true).</summary>
    public bool TcpKeepAlive { get => GetBool("Tcp Keepalive"); set => this["Tcp Keepalive"] = value; }

    /// <summary>Seconds of inactivity before the first TCP keepalive (keepalives_idle; 0 = the system's default).</summary>
    public int TcpKeepAliveTime { get => GetInt("Tcp Keepalive Time"); set => this["Tcp Keepalive Time"] = value; }

    /// <summary>Seconds between unanswered TCP keepalives (keepalives_interval; 0 = the system's default).</summary>
    public int TcpKeepAliveInterval { get => GetInt("Tcp Keepalive Interval"); set => this["Tcp Keepalive Interval"] = value; }

    /// <summary>Unanswered TCP keepalives after which the connection is dead (keepalives_count; 0 = the system's default).</summary>
    public int TcpKeepAliveCount { get => GetInt("Tcp Keepalive Count"); set => this["Tcp Keepalive Count"] = value; }

    /// <summary>
    /// Milliseconds sent data may stay unacknowledged before the connection is closed (libpq's tcp_user_timeout; Linux'
    /// TCP_USER_TIMEOUT; 0 = the system's default).
    /// </summary>
    public int TcpUserTimeout { get => GetInt("Tcp User Timeout"); set => this["Tcp User Timeout"] = value; }

    /// <summary>The user name to log in as (synonyms: User Id, User, UID). Defaults to the OS user.</summary>
    public string Username { get => GetString("Username"); set => this["Username"] = value; }

    /// <summary>The password. Never shown by <see cref="ToString"/>, exceptions or logs.</summary>
    public string Password { get => GetString("Password"); set => this["Password"] = value; }

    /// <summary>The database (default: the user name).</summary>
    public string Database { get => GetString("Database"); set => this["Database"] = value; }

    /// <summary>The application_name the server shows in pg_stat_activity (PGAPPNAME).</summary>
    public string ApplicationName { get => GetString("Application Name"); set => this["Application Name"] = value; }

    /// <summary>The application_name sent when <see cref="ApplicationName"/> is not given (libpq's fallback_application_name).</summary>
    public string FallbackApplicationName { get => GetString("Fallback Application Name"); set => this["Fallback Application Name"] = value; }

    /// <summary>Seconds to wait for a connection to open, and for a free connection from the pool (default 15).</summary>
    public int Timeout { get => GetInt("Timeout"); set => this["Timeout"] = value; }

    /// <summary>Seconds a command may run before it is cancelled on the server (default 30; 0 = no limit).</summary>
    public int CommandTimeout { get => GetInt("Command Timeout"); set => this["Command Timeout"] = value; }

    /// <summary>
    /// Milliseconds to wait for the server to answer a cancellation (a CancelRequest, sent for the caller's token or
    /// Command Timeout) before the connection is closed and the caller gets the timeout or cancellation (default 2000).
    /// </summary>
    public int CancellationTimeout { get => GetInt("Cancellation Timeout"); set => this["Cancellation Timeout"] = value; }

    /// <summary>Whether connections are pooled (default true).</summary>
    public bool Pooling { get => GetBool("Pooling"); set => this["Pooling"] = value; }

    /// <summary>Connections pruning keeps open (default 0).</summary>
    public int MinPoolSize { get => GetInt("Minimum Pool Size"); set => this["Minimum Pool Size"] = value; }

    /// <summary>The most connections the pool opens (default 100).</summary>
    public int MaxPoolSize { get => GetInt("Maximum Pool Size"); set => this["Maximum Pool Size"] = value; }

    /// <summary>Seconds after which a connection is closed instead of reused (default 0 = no limit).</summary>
    public int ConnectionLifetime { get => GetInt("Connection Lifetime"); set => this["Connection Lifetime"] = value; }

    /// <summary>Seconds an idle connection is kept before pruning closes it (default 300).</summary>
    public int ConnectionIdleLifetime { get => GetInt("Connection Idle Lifetime"); set => this["Connection Idle Lifetime"] = value; }

    /// <summary>Seconds between prunings of idle connections (default 10).</summary>
    public int ConnectionPruningInterval { get => GetInt("Connection Pruning Interval"); set => this["Connection Pruning Interval"] = value; }

    /// <summary>The largest message accepted from the server, in bytes (default 1 GiB). A larger one breaks the connection.</summary>
    public int MaxMessageSize { get => GetInt("Max Message Size"); set => this["Max Message Size"] = value; }

    /// <summary>
    /// Named (server-side prepared) statements each connection keeps, least recently used closed first (default 256).
    /// 0 runs every statement as the unnamed statement, parsed afresh each time: the mode for transaction-mode poolers
    /// such as PgBouncer, where consecutive requests may reach different server connections.
    /// </summary>
    public int MaxAutoPrepare { get => GetInt("Max Auto Prepare"); set => this["Max Auto Prepare"] = value; }

    /// <summary>Runs of a SQL text on a connection after which it is prepared as a named statement (default 2).</summary>
    public int AutoPrepareMinUsages { get => GetInt("Auto Prepare Min Usages"); set => this["Auto Prepare Min Usages"] = value; }

    /// <summary>
    /// Whether a data source's buffered queries (QueryAsync, ExecuteAsync with parameters, prepared statements) share
    /// connections: each is written while others are in flight and answers are paired with requests in order, so a
    /// few connections serve many concurrent callers (default false). Connections, transactions, streaming reads,
    /// scripts and pipelines keep a connection of their own. Cancellation and Command Timeout then stop the wait
    /// without cancelling the statement on the server.
    /// </summary>
    public bool Multiplexing { get => GetBool("Multiplexing"); set => this["Multiplexing"] = value; }

    /// <summary>
    /// How TLS is used on TCP connections, as libpq's sslmode (Unix-domain sockets never use TLS): Disable; Allow
    /// (unencrypted, encrypted only if the server refuses that); Prefer (the default: encrypted when the server accepts
    /// TLS, certificate not checked); Require (encrypted or fail; the certificate is checked against
    /// <see cref="RootCertificate"/> when one is given); VerifyCA (a certificate chaining to a trusted root); VerifyFull
    /// (that, issued for <see cref="Host"/>). <c>verify-ca</c> and <c>verify-full</c> are accepted too.
    /// </summary>
    public SslMode SslMode { get => ConnectionKeywords.ParseSslMode(GetString("SSL Mode")) ?? SslMode.Prefer; set => this["SSL Mode"] = value.ToString(); }

    /// <summary>
    /// Whether a SCRAM-SHA-256 login over TLS is bound to the connection (SCRAM-SHA-256-PLUS, so that a machine in the
    /// middle with another certificate cannot relay it), as libpq's channel_binding: Disable, Prefer (the default: when
    /// the server offers it) or Require (a login without it fails: no TLS, or not SCRAM).
    /// </summary>
    public ChannelBinding ChannelBinding { get => ConnectionKeywords.ParseChannelBinding(GetString("Channel Binding")) ?? ChannelBinding.Prefer; set => this["Channel Binding"] = value.ToString(); }

    /// <summary>
    /// Seconds of waiting for notifications (<see cref="PgWireConnection.WaitAsync(TimeSpan, CancellationToken)"/>,
    /// <see cref="PgWireDataSource.ListenAsync(string, CancellationToken)"/>) after which an empty query is run, so
    /// that a server or network that went away without a word is noticed; 0 (the default) for none. TCP keepalive
    /// (Tcp Keepalive Time) notices a dead peer too, more slowly and without a round trip.
    /// </summary>
    public int Keepalive { get => GetInt("Keepalive"); set => this["Keepalive"] = value; }

    /// <summary>
    /// How TLS starts (libpq's sslnegotiation): Postgres (the default: an SSLRequest first, every server version) or
    /// Direct (the handshake at once with ALPN <c>postgresql</c>; PostgreSQL 17 and later, SSL Mode Require or stricter).
    /// </summary>
    public SslNegotiation SslNegotiation { get => ConnectionKeywords.ParseSslNegotiation(GetString("SSL Negotiation")) ?? SslNegotiation.Postgres; set => this["SSL Negotiation"] = value.ToString(); }

    /// <summary>
    /// The authentication methods the server may use (libpq's require_auth): a comma-separated list of password, md5,
    /// scram-sha-256, gss, sspi and none (no authentication), or the same with <c>!</c> for the methods it may not use.
    /// A server that asks for another is refused before anything secret is sent. Empty (the default): any method.
    /// </summary>
    public string RequireAuth { get => GetString("Require Auth"); set => this["Require Auth"] = value; }

    /// <summary>
    /// The oldest protocol version the session may speak (libpq's min_protocol_version): 3.0 (the default) or 3.2,
    /// which refuses servers older than PostgreSQL 18 (and poolers that speak only 3.0).
    /// </summary>
    public string MinProtocolVersion { get => GetString("Min Protocol Version"); set => this["Min Protocol Version"] = value; }

    /// <summary>
    /// The protocol version asked for at login (libpq's max_protocol_version): 3.0, 3.2 or latest. Empty (the default)
    /// asks for 3.2 (PostgreSQL 18: 256-bit cancel keys), settles for what an older server offers in the same
    /// connection (NegotiateProtocolVersion), and falls back to 3.0 once, remembered per host, for a pooler that refuses
    /// a 3.2 login with a protocol error (PgBouncer 1.18); a value set here is asked for without that fallback.
    /// </summary>
    public string MaxProtocolVersion { get => GetString("Max Protocol Version"); set => this["Max Protocol Version"] = value; }

    /// <summary>
    /// A PEM file of the CA certificates the server's certificate must chain to (Require, VerifyCA, VerifyFull); without
    /// it the system's trust store is used.
    /// </summary>
    public string RootCertificate { get => GetString("Root Certificate"); set => this["Root Certificate"] = value; }

    /// <summary>A client certificate for certificate login: a PEM file (with <see cref="SslKey"/>) or a PKCS#12 (.pfx, .p12) file.</summary>
    public string SslCertificate { get => GetString("SSL Certificate"); set => this["SSL Certificate"] = value; }

    /// <summary>The PEM private key file of <see cref="SslCertificate"/>.</summary>
    public string SslKey { get => GetString("SSL Key"); set => this["SSL Key"] = value; }

    /// <summary>The password of an encrypted <see cref="SslKey"/> or PKCS#12 certificate; left out of <see cref="ToString"/> as Password is.</summary>
    public string SslPassword { get => GetString("SSL Password"); set => this["SSL Password"] = value; }

    /// <summary>
    /// Whether <see cref="PgWireConnection.ConnectionString"/> still returns the passwords once the connection has been
    /// opened (default false: as in other ADO.NET providers, an opened connection's string leaves them out).
    /// </summary>
    public bool PersistSecurityInfo { get => GetBool("Persist Security Info"); set => this["Persist Security Info"] = value; }

    /// <summary>Gets or sets a keyword's value; the keyword may be any synonym (libpq's names too). Unknown keywords throw.</summary>
    [AllowNull]
    public override object this[string keyword]
    {
        get
        {
            var definition = ConnectionKeywords.Find(keyword);
            // The base class stores every value as a string: typed values are converted back on the way out.
            return base.TryGetValue(definition.Name, out var value) ? ConnectionKeywords.Convert(definition, value) : definition.Default;
        }
        set
        {
            var definition = ConnectionKeywords.Find(keyword);
            if (value is null)
            {
                base.Remove(definition.Name);
                return;
            }
            base[definition.Name] = ConnectionKeywords.Convert(definition, value);
        }
    }

    /// <inheritdoc />
    public override bool ContainsKey(string keyword) => ConnectionKeywords.TryFind(keyword) is { } definition && base.ContainsKey(definition.Name);

    /// <inheritdoc />
    public override bool Remove(string keyword) => ConnectionKeywords.TryFind(keyword) is { } definition && base.Remove(definition.Name);

    /// <inheritdoc />
    public override bool TryGetValue(string keyword, [NotNullWhen(true)] out object? value)
    {
        if (ConnectionKeywords.TryFind(keyword) is { } definition) return base.TryGetValue(definition.Name, out value);
        value = null;
        return false;
    }

    /// <summary>The connection string with the passwords (Password, SSL Password) left out.</summary>
    public override string ToString() => WithoutPassword();

    /// <summary>The connection string without its Password and SSL Password keywords.</summary>
    internal string WithoutPassword()
    {
        var copy = new PgWireConnectionStringBuilder { ConnectionString = ConnectionString };
        copy.Remove("Password");
        copy.Remove("SSL Password");
        return copy.ConnectionString;
    }

    private string GetString(string name) => (string)this[name];

    private int GetInt(string name) => (int)this[name];

    private bool GetBool(string name) => (bool)this[name];
}

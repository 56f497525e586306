using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

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
    private enum Kind { String, Int, Bool }

    private sealed record Keyword(string Name, Kind Kind, object Default, int Min = 0, int Max = int.MaxValue);

    private static readonly Keyword[] s_keywords =
    [
        new("Host", Kind.String, ""),
        new("Port", Kind.Int, 5432, 1, 65535),
        new("Username", Kind.String, ""),
        new("Password", Kind.String, ""),
        new("Database", Kind.String, ""),
        new("Application Name", Kind.String, ""),
        new("Timeout", Kind.Int, 15, 0, 1024),
        new("Command Timeout", Kind.Int, 30),
        new("Cancellation Timeout", Kind.Int, 2000, 1),
        new("Pooling", Kind.Bool, true),
        new("Minimum Pool Size", Kind.Int, 0, 0, 1024),
        new("Maximum Pool Size", Kind.Int, 100, 1, 1024),
        new("Connection Lifetime", Kind.Int, 0),
        new("Connection Idle Lifetime", Kind.Int, 300),
        new("Connection Pruning Interval", Kind.Int, 10),
        new("Max Message Size", Kind.Int, 1024 * 1024 * 1024, 4096),
        new("Max Auto Prepare", Kind.Int, 256, 0, 100_000),
        new("Multiplexing", Kind.Bool, false),
        new("Auto Prepare Min Usages", Kind.Int, 2, 1, 1_000_000),
        new("SSL Mode", Kind.String, "Prefer"),
        new("Channel Binding", Kind.String, "Prefer"),
        new("Root Certificate", Kind.String, ""),
        new("SSL Certificate", Kind.String, ""),
        new("SSL Key", Kind.String, ""),
        new("SSL Password", Kind.String, ""),
        new("Persist Security Info", Kind.Bool, false),
    ];

    private static readonly Dictionary<string, Keyword> s_byName = CreateLookup();

    /// <summary>Creates an empty builder.</summary>
    public PgWireConnectionStringBuilder() { }

    /// <summary>Creates a builder from a connection string.</summary>
    /// <param name="connectionString">The connection string to parse.</param>
    public PgWireConnectionStringBuilder(string connectionString) => ConnectionString = connectionString;

    /// <summary>The server: a host name, an IP address, or a directory holding the server's Unix-domain socket.</summary>
    public string Host { get => GetString("Host"); set => this["Host"] = value; }

    /// <summary>The server's TCP port (default 5432).</summary>
    public int Port { get => GetInt("Port"); set => this["Port"] = value; }

    /// <summary>The user name to log in as (synonyms: User Id, User, UID). Defaults to the OS user.</summary>
    public string Username { get => GetString("Username"); set => this["Username"] = value; }

    /// <summary>The password. Never shown by <see cref="ToString"/>, exceptions or logs.</summary>
    public string Password { get => GetString("Password"); set => this["Password"] = value; }

    /// <summary>The database (default: the user name).</summary>
    public string Database { get => GetString("Database"); set => this["Database"] = value; }

    /// <summary>The application_name the server shows in pg_stat_activity.</summary>
    public string ApplicationName { get => GetString("Application Name"); set => this["Application Name"] = value; }

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
    public SslMode SslMode { get => ParseSslMode(GetString("SSL Mode")) ?? SslMode.Prefer; set => this["SSL Mode"] = value.ToString(); }

    /// <summary>
    /// Whether a SCRAM-SHA-256 login over TLS is bound to the connection (SCRAM-SHA-256-PLUS, so that a machine in the
    /// middle with another certificate cannot relay it), as libpq's channel_binding: Disable, Prefer (the default: when
    /// the server offers it) or Require (a login without it fails: no TLS, or not SCRAM).
    /// </summary>
    public ChannelBinding ChannelBinding { get => ParseChannelBinding(GetString("Channel Binding")) ?? ChannelBinding.Prefer; set => this["Channel Binding"] = value.ToString(); }

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

    /// <summary>Gets or sets a keyword's value; the keyword may be any synonym. Unknown keywords throw.</summary>
    [AllowNull]
    public override object this[string keyword]
    {
        get
        {
            var definition = Find(keyword);
            // The base class stores every value as a string: typed values are converted back on the way out.
            return TryGetValue(definition.Name, out var value) ? Convert(definition, keyword, value) : definition.Default;
        }
        set
        {
            var definition = Find(keyword);
            if (value is null)
            {
                base.Remove(definition.Name);
                return;
            }
            base[definition.Name] = Convert(definition, keyword, value);
        }
    }

    /// <inheritdoc />
    public override bool ContainsKey(string keyword) => s_byName.TryGetValue(keyword, out var definition) && base.ContainsKey(definition.Name);

    /// <inheritdoc />
    public override bool Remove(string keyword) => s_byName.TryGetValue(keyword, out var definition) && base.Remove(definition.Name);

    /// <inheritdoc />
    public override bool TryGetValue(string keyword, [NotNullWhen(true)] out object? value)
    {
        if (s_byName.TryGetValue(keyword, out var definition)) return base.TryGetValue(definition.Name, out value);
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

    /// <summary>A Channel Binding value (any case), or null when it is none.</summary>
    internal static ChannelBinding? ParseChannelBinding(string text) => text.Trim().ToUpperInvariant() switch
    {
        "DISABLE" => PgWire.ChannelBinding.Disable,
        "PREFER" => PgWire.ChannelBinding.Prefer,
        "REQUIRE" => PgWire.ChannelBinding.Require,
        _ => null,
    };

    /// <summary>An SSL Mode value (any case; verify-ca and verify_full spellings too), or null when it is none.</summary>
    internal static SslMode? ParseSslMode(string text) =>
        text.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).Trim().ToUpperInvariant() switch
        {
            "DISABLE" => PgWire.SslMode.Disable,
            "ALLOW" => PgWire.SslMode.Allow,
            "PREFER" => PgWire.SslMode.Prefer,
            "REQUIRE" => PgWire.SslMode.Require,
            "VERIFYCA" => PgWire.SslMode.VerifyCA,
            "VERIFYFULL" => PgWire.SslMode.VerifyFull,
            _ => null,
        };

    private static Keyword Find(string keyword)
    {
        ArgumentNullException.ThrowIfNull(keyword);
        return s_byName.TryGetValue(keyword, out var definition)
            ? definition
            : throw new ArgumentException($"Unknown connection string keyword '{keyword}'.", nameof(keyword));
    }

    private static object Convert(Keyword definition, string keyword, object value)
    {
        switch (definition.Kind)
        {
            case Kind.Int:
                int number;
                if (value is int i) number = i;
                else if (!int.TryParse(System.Convert.ToString(value, CultureInfo.InvariantCulture), NumberStyles.Integer, CultureInfo.InvariantCulture, out number))
                    throw new ArgumentException($"Connection string keyword '{definition.Name}' needs an integer, not '{value}'.", nameof(keyword));
                if (number < definition.Min || number > definition.Max)
                    throw new ArgumentException($"Connection string keyword '{definition.Name}' must be between {definition.Min} and {definition.Max}; got {number}.", nameof(keyword));
                return number;
            case Kind.Bool:
                if (value is bool b) return b;
                return System.Convert.ToString(value, CultureInfo.InvariantCulture)?.Trim().ToUpperInvariant() switch
                {
                    "TRUE" or "YES" or "ON" or "1" => true,
                    "FALSE" or "NO" or "OFF" or "0" => false,
                    _ => throw new ArgumentException($"Connection string keyword '{definition.Name}' needs true or false, not '{value}'.", nameof(keyword)),
                };
            default:
                var text = System.Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
                if (definition.Name == "Channel Binding")
                {
                    return ParseChannelBinding(text)?.ToString() ?? throw new ArgumentException(
                        $"Connection string keyword '{definition.Name}' is '{text}'; use Disable, Prefer or Require.", nameof(keyword));
                }
                if (definition.Name == "SSL Mode")
                {
                    return ParseSslMode(text)?.ToString() ?? throw new ArgumentException(
                        $"Connection string keyword '{definition.Name}' is '{text}'; use Disable, Allow, Prefer, Require, VerifyCA or VerifyFull.", nameof(keyword));
                }
                return text;
        }
    }

    private string GetString(string name) => (string)this[name];

    private int GetInt(string name) => (int)this[name];

    private bool GetBool(string name) => (bool)this[name];

    private static Dictionary<string, Keyword> CreateLookup()
    {
        var lookup = new Dictionary<string, Keyword>(StringComparer.OrdinalIgnoreCase);
        foreach (var keyword in s_keywords)
        {
            lookup[keyword.Name] = keyword;
            lookup[keyword.Name.Replace(" ", "", StringComparison.Ordinal)] = keyword;
        }
        void Alias(string alias, string name) => lookup[alias] = lookup[name];
        Alias("Server", "Host");
        Alias("User Id", "Username");
        Alias("UserId", "Username");
        Alias("User", "Username");
        Alias("UID", "Username");
        Alias("User Name", "Username");
        Alias("PWD", "Password");
        Alias("PSW", "Password");
        Alias("DB", "Database");
        Alias("Connect Timeout", "Timeout");
        Alias("Connection Timeout", "Timeout");
        Alias("CommandTimeout", "Command Timeout");
        Alias("Min Pool Size", "Minimum Pool Size");
        Alias("MinPoolSize", "Minimum Pool Size");
        Alias("Max Pool Size", "Maximum Pool Size");
        Alias("MaxPoolSize", "Maximum Pool Size");
        Alias("Load Balance Timeout", "Connection Lifetime");
        Alias("SslMode", "SSL Mode");
        Alias("Ssl Cert", "SSL Certificate");
        Alias("SslCert", "SSL Certificate");
        Alias("Ssl Root Cert", "Root Certificate");
        Alias("SslRootCert", "Root Certificate");
        return lookup;
    }
}

using System.Globalization;

namespace PgWire;

/// <summary>
/// The connection string's keywords: canonical names (Npgsql's), defaults, bounds, and every synonym, libpq's names
/// included (<c>dbname</c>, <c>sslrootcert</c>, <c>target_session_attrs</c>, ...), so that every form of connection
/// string names the same setting. Values are checked and normalised here.
/// </summary>
internal static class ConnectionKeywords
{
    public enum Kind { String, Int, Bool }

    /// <summary>A keyword: its canonical name, the form of its value, its default and, for integers, its bounds.</summary>
    public sealed record Keyword(string Name, Kind Kind, object Default, int Min = 0, int Max = int.MaxValue);

    private static readonly Keyword[] s_keywords =
    [
        new("Host", Kind.String, ""),
        new("Port", Kind.Int, 5432, 1, 65535),
        new("Username", Kind.String, ""),
        new("Password", Kind.String, ""),
        new("Passfile", Kind.String, ""),
        new("Database", Kind.String, ""),
        new("Service", Kind.String, ""),
        new("Application Name", Kind.String, ""),
        new("Fallback Application Name", Kind.String, ""),
        new("Options", Kind.String, ""),
        new("Client Encoding", Kind.String, "UTF8"),
        new("Timezone", Kind.String, ""),
        new("Timeout", Kind.Int, 15, 0, 1024),
        new("Command Timeout", Kind.Int, 30),
        new("Cancellation Timeout", Kind.Int, 2000, 1),
        new("Target Session Attributes", Kind.String, "any"),
        new("Load Balance Hosts", Kind.Bool, false),
        new("Host Recheck Seconds", Kind.Int, 10, 0, 86_400),
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
        new("Keepalive", Kind.Int, 0, 0, 86_400),
        new("Tcp Keepalive", Kind.Bool, true),
        new("Tcp Keepalive Time", Kind.Int, 0, 0, 86_400),
        new("Tcp Keepalive Interval", Kind.Int, 0, 0, 86_400),
        new("Tcp Keepalive Count", Kind.Int, 0, 0, 127),
        new("Tcp User Timeout", Kind.Int, 0, 0, int.MaxValue),
        new("SSL Mode", Kind.String, "Prefer"),
        new("GSS Encryption Mode", Kind.String, "Disable"),
        new("Channel Binding", Kind.String, "Prefer"),
        new("SSL Negotiation", Kind.String, "Postgres"),
        new("Require Auth", Kind.String, ""),
        new("Min Protocol Version", Kind.String, "3.0"),
        new("Max Protocol Version", Kind.String, ""),
        new("Root Certificate", Kind.String, ""),
        new("SSL Certificate", Kind.String, ""),
        new("SSL Key", Kind.String, ""),
        new("SSL Password", Kind.String, ""),
        new("Persist Security Info", Kind.Bool, false),
    ];

    private static readonly Dictionary<string, Keyword> s_byName = CreateLookup();

    /// <summary>The keyword <paramref name="name"/> (any synonym, any case), or null.</summary>
    public static Keyword? TryFind(string name) => s_byName.GetValueOrDefault(name);

    /// <summary>The keyword <paramref name="name"/>; an unknown one is an <see cref="ArgumentException"/> naming it.</summary>
    public static Keyword Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return TryFind(name) ?? throw new ArgumentException($"Unknown connection string keyword '{KeywordText(name)}'.", "keyword");
    }

    /// <summary>A keyword as an error shows it: short, so that a value run into it is not shown whole.</summary>
    private static string KeywordText(string name) => name.Length <= 40 ? name : name[..40] + "...";

    /// <summary>Checks <paramref name="value"/> against the keyword and returns it in its stored form (int, bool or normalised string).</summary>
    /// <exception cref="ArgumentException">The value is not one the keyword takes; the message never repeats a secret's value.</exception>
    public static object Convert(Keyword definition, object value)
    {
        switch (definition.Kind)
        {
            case Kind.Int:
                int number;
                if (value is int i) number = i;
                else if (!int.TryParse(System.Convert.ToString(value, CultureInfo.InvariantCulture)?.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out number))
                    throw new ArgumentException($"Connection string keyword '{definition.Name}' needs an integer, not '{value}'.", "keyword");
                if (number < definition.Min || number > definition.Max)
                    throw new ArgumentException($"Connection string keyword '{definition.Name}' must be between {definition.Min} and {definition.Max}; got {number}.", "keyword");
                return number;
            case Kind.Bool:
                if (value is bool b) return b;
                return System.Convert.ToString(value, CultureInfo.InvariantCulture)?.Trim().ToUpperInvariant() switch
                {
                    "TRUE" or "YES" or "ON" or "1" => true,
                    "FALSE" or "NO" or "OFF" or "0" => false,
                    // libpq's load_balance_hosts takes random / disable.
                    "RANDOM" when definition.Name == "Load Balance Hosts" => true,
                    "DISABLE" when definition.Name == "Load Balance Hosts" => false,
                    _ => throw new ArgumentException($"Connection string keyword '{definition.Name}' needs true or false, not '{value}'.", "keyword"),
                };
            default:
                var text = System.Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
                return definition.Name switch
                {
                    "Channel Binding" => ParseChannelBinding(text)?.ToString() ?? throw new ArgumentException(
                        $"Connection string keyword '{definition.Name}' is '{text}'; use Disable, Prefer or Require.", "keyword"),
                    "SSL Mode" => ParseSslMode(text)?.ToString() ?? throw new ArgumentException(
                        $"Connection string keyword '{definition.Name}' is '{text}'; use Disable, Allow, Prefer, Require, VerifyCA or VerifyFull.", "keyword"),
                    "Target Session Attributes" => TargetSessions.Parse(text) is { } target ? TargetSessions.ToText(target) : throw new ArgumentException(
                        $"Connection string keyword '{definition.Name}' is '{text}'; use any, read-write, read-only, primary, standby, prefer-primary or prefer-standby.", "keyword"),
                    "GSS Encryption Mode" => ParseGssEncryption(text),
                    "Min Protocol Version" or "Max Protocol Version" => ParseProtocolVersion(definition.Name, text),
                    "Require Auth" => Connection.AuthRequirement.Parse(text)?.ToString() ?? "",
                    "SSL Negotiation" => ParseSslNegotiation(text)?.ToString() ?? throw new ArgumentException(
                        $"Connection string keyword '{definition.Name}' is '{text}'; use Postgres or Direct.", "keyword"),
                    "Client Encoding" => ParseClientEncoding(text),
                    _ => text,
                };
        }
    }

    /// <summary>A Channel Binding value (any case), or null when it is none.</summary>
    public static ChannelBinding? ParseChannelBinding(string text) => text.Trim().ToUpperInvariant() switch
    {
        "DISABLE" => ChannelBinding.Disable,
        "PREFER" => ChannelBinding.Prefer,
        "REQUIRE" => ChannelBinding.Require,
        _ => null,
    };

    /// <summary>An SSL Negotiation value (any case; libpq's postgres and direct), or null when it is none.</summary>
    public static SslNegotiation? ParseSslNegotiation(string text) => text.Trim().ToUpperInvariant() switch
    {
        "POSTGRES" => SslNegotiation.Postgres,
        "DIRECT" => SslNegotiation.Direct,
        _ => null,
    };

    /// <summary>An SSL Mode value (any case; verify-ca and verify_full spellings too), or null when it is none.</summary>
    public static SslMode? ParseSslMode(string text) =>
        text.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).Trim().ToUpperInvariant() switch
        {
            "DISABLE" => SslMode.Disable,
            "ALLOW" => SslMode.Allow,
            "PREFER" => SslMode.Prefer,
            "REQUIRE" => SslMode.Require,
            "VERIFYCA" => SslMode.VerifyCA,
            "VERIFYFULL" => SslMode.VerifyFull,
            _ => null,
        };

    // PgWire has no GSSAPI: a session is never GSS-encrypted, which is what disable asks and what prefer settles for.
    private static string ParseGssEncryption(string text) => text.Trim().ToUpperInvariant() switch
    {
        "DISABLE" => "Disable",
        "PREFER" => "Prefer",
        "REQUIRE" => throw new ArgumentException(
            "GSS Encryption Mode (gssencmode) is Require, but PgWire has no GSSAPI: it cannot open a GSS-encrypted session. Use TLS (SSL Mode) instead.", "keyword"),
        _ => throw new ArgumentException($"Connection string keyword 'GSS Encryption Mode' is '{text}'; use Disable or Prefer (PgWire has no GSSAPI).", "keyword"),
    };

    /// <summary>
    /// The protocol minor version a Min/Max Protocol Version value names (libpq's values: 3.0, 3.2, latest), or null for
    /// the empty value (Max: the newest, falling back to 3.0 for a server or pooler that refuses it at startup).
    /// </summary>
    public static int? ProtocolMinor(string text) => text.Trim().ToUpperInvariant() switch
    {
        "" => null,
        "3.0" or "30000" => 0,
        "3.2" or "30002" or "LATEST" => 2,
        _ => throw new ArgumentException($"'{text}' is not a protocol version; use 3.0, 3.2 or latest.", "keyword"),
    };

    private static string ParseProtocolVersion(string keyword, string text)
    {
        int? minor;
        try
        {
            minor = ProtocolMinor(text);
        }
        catch (ArgumentException)
        {
            throw new ArgumentException($"Connection string keyword '{keyword}' is '{text}'; use 3.0, 3.2 or latest (PgWire speaks protocol 3.0 and 3.2).", "keyword");
        }
        return minor is { } m ? $"3.{m}" : "";
    }

    // PgWire reads and writes text as UTF-8, so the session's client_encoding is always UTF8.
    private static string ParseClientEncoding(string text) => text.Trim().ToUpperInvariant() switch
    {
        "UTF8" or "UTF-8" or "UNICODE" or "AUTO" => "UTF8",
        _ => throw new ArgumentException(
            $"Connection string keyword 'Client Encoding' is '{text}'; PgWire exchanges text as UTF-8 (and converts it to .NET strings), so only UTF8 is accepted.", "keyword"),
    };

    private static Dictionary<string, Keyword> CreateLookup()
    {
        var lookup = new Dictionary<string, Keyword>(StringComparer.OrdinalIgnoreCase);
        foreach (var keyword in s_keywords)
        {
            lookup[keyword.Name] = keyword;
            lookup[keyword.Name.Replace(" ", "", StringComparison.Ordinal)] = keyword;
        }
        void Alias(string name, params string[] aliases)
        {
            foreach (var alias in aliases)
            {
                lookup[alias] = lookup[name];
                lookup[alias.Replace(" ", "", StringComparison.Ordinal)] = lookup[name];
            }
        }
        // Npgsql's and ADO.NET's synonyms.
        Alias("Host", "Server");
        Alias("Username", "User Id", "UserId", "User", "UID", "User Name");
        Alias("Password", "PWD", "PSW");
        Alias("Database", "DB");
        Alias("Timeout", "Connect Timeout", "Connection Timeout");
        Alias("Minimum Pool Size", "Min Pool Size");
        Alias("Maximum Pool Size", "Max Pool Size");
        Alias("Connection Lifetime", "Load Balance Timeout");
        Alias("SSL Mode", "SslMode");
        Alias("SSL Certificate", "Ssl Cert", "SslCert");
        Alias("Root Certificate", "Ssl Root Cert", "SslRootCert");
        // libpq's names (connection strings, URIs' query parameters, service files).
        Alias("Database", "dbname");
        Alias("Timeout", "connect_timeout");
        Alias("Application Name", "application_name");
        Alias("Fallback Application Name", "fallback_application_name");
        Alias("Client Encoding", "client_encoding");
        Alias("Target Session Attributes", "target_session_attrs");
        Alias("Load Balance Hosts", "load_balance_hosts");
        Alias("Tcp Keepalive", "keepalives");
        Alias("Tcp Keepalive Time", "keepalives_idle");
        Alias("Tcp Keepalive Interval", "keepalives_interval");
        Alias("Tcp Keepalive Count", "keepalives_count");
        Alias("Tcp User Timeout", "tcp_user_timeout");
        Alias("Root Certificate", "sslrootcert");
        Alias("SSL Certificate", "sslcert");
        Alias("SSL Key", "sslkey");
        Alias("SSL Password", "sslpassword");
        Alias("GSS Encryption Mode", "gssencmode");
        Alias("Channel Binding", "channel_binding");
        Alias("Require Auth", "require_auth");
        Alias("SSL Negotiation", "sslnegotiation");
        Alias("Min Protocol Version", "min_protocol_version");
        Alias("Max Protocol Version", "max_protocol_version");
        return lookup;
    }
}

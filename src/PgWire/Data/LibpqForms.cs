using PgWire.Configuration;

namespace PgWire;

/// <summary>
/// Reads libpq's forms of connection settings into a <see cref="PgWireConnectionStringBuilder"/>: URIs, keyword=value
/// strings, service files and environment variables name libpq's keywords, which map onto PgWire's (the builder's
/// synonyms), with libpq's separate host and port lists merged into one Host list. libpq keywords PgWire does not
/// offer are refused with the reason, never dropped silently (except values that ask for what PgWire does anyway).
/// </summary>
internal static class LibpqForms
{
    // Keywords whose Npgsql-style value may itself look like pairs (Options=-c a=b -c c=d): such a string is not libpq's.
    private static readonly HashSet<string> s_valuesWithPairs = new(StringComparer.OrdinalIgnoreCase) { "Options", "Password", "SSL Password", "Application Name", "Fallback Application Name" };

    // libpq keywords with no PgWire setting, and why; a value that asks for PgWire's behaviour anyway is accepted.
    private static readonly Dictionary<string, (string? Harmless, string Why)> s_unsupported = new(StringComparer.Ordinal)
    {
        ["hostaddr"] = (null, "give the address in Host (a TLS certificate is then checked against that address)"),
        ["krbsrvname"] = (null, "PgWire has no Kerberos/GSSAPI authentication"),
        ["gsslib"] = (null, "PgWire has no Kerberos/GSSAPI authentication"),
        ["gssdelegation"] = ("0", "PgWire has no Kerberos/GSSAPI authentication"),
        ["sslcompression"] = ("0", "TLS compression is unsafe and no current TLS library offers it"),
        ["sslsni"] = ("1", "PgWire always sends the host name in TLS's server name indication"),
        ["sslcertmode"] = ("allow", "PgWire sends a client certificate when SSL Certificate names one (sslcertmode=allow)"),
        ["sslcrl"] = (null, "certificate revocation is checked by .NET from the certificate's own distribution points, not from local CRL files"),
        ["sslcrldir"] = (null, "certificate revocation is checked by .NET from the certificate's own distribution points, not from local CRL files"),
        ["ssl_min_protocol_version"] = (null, "the TLS versions are the operating system's (TLS 1.2 and 1.3 on current systems)"),
        ["ssl_max_protocol_version"] = (null, "the TLS versions are the operating system's (TLS 1.2 and 1.3 on current systems)"),
        ["requirepeer"] = (null, "checking the server process's user over a Unix socket is not offered; protect the socket directory instead"),
        ["replication"] = ("0", "PgWire does not speak the streaming replication protocol"),
        ["sslkeylogfile"] = (null, "writing TLS keys to a file is not offered"),
    };

    /// <summary>
    /// Sets <paramref name="builder"/> from <paramref name="text"/> in whichever form it is: a URI, a libpq keyword=value
    /// string, or Npgsql-style <c>Keyword=value;...</c> (handed to <paramref name="setNpgsqlForm"/>).
    /// </summary>
    /// <exception cref="ArgumentException">A malformed string or an unknown keyword, named without its value.</exception>
    public static void Apply(PgWireConnectionStringBuilder builder, string text, Action<PgWireConnectionStringBuilder, string> setNpgsqlForm)
    {
        if (ConnectionUri.Is(text))
        {
            List<KeyValuePair<string, string>> uriPairs;
            try
            {
                uriPairs = ConnectionUri.Parse(text);
            }
            catch (FormatException e)
            {
                throw new ArgumentException("The connection URI is malformed: " + e.Message, "connectionString");
            }
            builder.Clear();
            ApplyPairs(builder, uriPairs, onlyMissing: false, "the connection URI");
            return;
        }
        if (KeywordValueString.Looks(text, out var pairs))
        {
            var unknown = pairs.FindIndex(p => ConnectionKeywords.TryFind(p.Key) is null && !s_unsupported.ContainsKey(p.Key));
            if (unknown < 0)
            {
                builder.Clear();
                ApplyPairs(builder, pairs, onlyMissing: false, "the connection string");
                return;
            }
            if (!s_valuesWithPairs.Contains(ConnectionKeywords.TryFind(pairs[0].Key)?.Name ?? ""))
            {
                // A secret run into a keyword (password=a b) must not be shown: after a password, the keyword is not named.
                var afterSecret = unknown > 0 && IsSecret(pairs[unknown - 1].Key);
                throw new ArgumentException(afterSecret
                    ? "The connection string looks like libpq's keyword=value form, but what follows a password is not a keyword: quote a value with spaces ('...')."
                    : $"The connection string looks like libpq's keyword=value form, but '{KeywordValueString.Shorten(pairs[unknown].Key)}' is not a keyword PgWire knows.",
                    "connectionString");
            }
        }
        setNpgsqlForm(builder, text);
        if (builder.Host.Contains('=', StringComparison.Ordinal))
            throw new ArgumentException(
                "The connection string's Host contains '=': separate Npgsql-style pairs with ';' (Host=...;Username=...), or libpq-style ones with spaces (host=... user=...).",
                "connectionString");
    }

    /// <summary>
    /// Sets libpq-named pairs (<paramref name="source"/> names where they came from, for errors); with
    /// <paramref name="onlyMissing"/>, only settings not given already (a service file, the environment).
    /// </summary>
    /// <exception cref="ArgumentException">An unknown or unsupported keyword, or a bad value.</exception>
    public static void ApplyPairs(PgWireConnectionStringBuilder builder, IEnumerable<KeyValuePair<string, string>> pairs, bool onlyMissing, string source)
    {
        string? hosts = null, ports = null;
        foreach (var (key, value) in pairs)
        {
            var keyword = ConnectionKeywords.TryFind(key);
            if (keyword is null)
            {
                if (s_unsupported.TryGetValue(key, out var unsupported))
                {
                    if (unsupported.Harmless is { } harmless && string.Equals(value.Trim(), harmless, StringComparison.OrdinalIgnoreCase)) continue;
                    throw new ArgumentException($"libpq's '{key}' in {source} is not supported: {unsupported.Why}.", "connectionString");
                }
                throw new ArgumentException($"Unknown keyword '{KeywordValueString.Shorten(key)}' in {source}.", "connectionString");
            }
            if (keyword.Name == "Host") hosts = value;
            else if (keyword.Name == "Port") ports = value;
            else if (!onlyMissing || !builder.ContainsKey(keyword.Name)) Set(builder, keyword.Name, value, source);
        }
        if (hosts is null && ports is null) return;
        string? host, port;
        try
        {
            (host, port) = HostList.FromLibpq(hosts ?? (builder.ContainsKey("Host") ? builder.Host : null), ports);
        }
        catch (FormatException e)
        {
            throw new ArgumentException($"{e.Message} (in {source})", "connectionString");
        }
        if (host is not null && (!onlyMissing || !builder.ContainsKey("Host") || hosts is null)) Set(builder, "Host", host, source);
        if (port is not null && (!onlyMissing || !builder.ContainsKey("Port"))) Set(builder, "Port", port, source);
    }

    private static void Set(PgWireConnectionStringBuilder builder, string keyword, string value, string source)
    {
        try
        {
            builder[keyword] = value;
        }
        catch (ArgumentException e) when (source != "the connection string")
        {
            throw new ArgumentException($"{e.Message} (from {source})", "connectionString", e);
        }
    }

    private static bool IsSecret(string key) => ConnectionKeywords.TryFind(key)?.Name is "Password" or "SSL Password";
}

using System.Globalization;
using System.Text;

namespace PgWire.Configuration;

/// <summary>
/// libpq's connection URIs: <c>postgresql://[user[:password]@][host[:port][,host[:port]...]][/dbname][?name=value&amp;...]</c>
/// (also <c>postgres://</c>), percent-encoding anywhere, IPv6 literals in brackets, a Unix-socket directory as a
/// percent-encoded host (<c>%2Fvar%2Frun%2Fpostgresql</c>) or a <c>host=</c> parameter. Pure text in, libpq-named
/// pairs out (<c>user</c>, <c>password</c>, <c>host</c>, <c>port</c>, <c>dbname</c>, then the parameters).
/// </summary>
internal static class ConnectionUri
{
    private static readonly string[] s_schemes = ["postgresql://", "postgres://"];

    /// <summary>True when <paramref name="text"/> starts with a PostgreSQL URI scheme.</summary>
    public static bool Is(string text)
    {
        var trimmed = text.AsSpan().TrimStart();
        foreach (var scheme in s_schemes)
            if (trimmed.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    /// <summary>
    /// The URI's settings, libpq-named, in order. Errors name the part that is wrong (never the password).
    /// Several hosts give <c>host=a,b</c> and, when any has a port, <c>port=p1,p2</c> (empty for the default).
    /// </summary>
    /// <exception cref="FormatException">The URI is malformed.</exception>
    public static List<KeyValuePair<string, string>> Parse(string text)
    {
        var uri = text.Trim();
        var schemeLength = s_schemes.First(s => uri.StartsWith(s, StringComparison.OrdinalIgnoreCase)).Length;
        var rest = uri[schemeLength..];
        var pairs = new List<KeyValuePair<string, string>>();

        // The query starts at the first '?', the path at the first '/' before it; the user part ends at the last '@'
        // of the authority (a password may hold '@' only percent-encoded, but be lenient as libpq is).
        var queryAt = rest.IndexOf('?', StringComparison.Ordinal);
        var query = queryAt >= 0 ? rest[(queryAt + 1)..] : null;
        if (queryAt >= 0) rest = rest[..queryAt];
        var pathAt = rest.IndexOf('/', StringComparison.Ordinal);
        var path = pathAt >= 0 ? rest[(pathAt + 1)..] : null;
        var authority = pathAt >= 0 ? rest[..pathAt] : rest;

        var at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            var userInfo = authority[..at];
            authority = authority[(at + 1)..];
            var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            var user = Decode(colon >= 0 ? userInfo[..colon] : userInfo, "the user name");
            if (user.Length > 0) pairs.Add(new("user", user));
            if (colon >= 0) pairs.Add(new("password", Decode(userInfo[(colon + 1)..], "the password")));
        }

        if (authority.Length > 0)
        {
            var hosts = new List<string>();
            var ports = new List<string>();
            foreach (var item in authority.Split(','))
            {
                var (host, port) = SplitHostPort(item);
                hosts.Add(Decode(host, "a host"));
                ports.Add(port);
            }
            pairs.Add(new("host", string.Join(',', hosts)));
            if (ports.Exists(p => p.Length > 0)) pairs.Add(new("port", string.Join(',', ports)));
        }

        if (!string.IsNullOrEmpty(path)) pairs.Add(new("dbname", Decode(path, "the database name")));

        if (query is not null)
        {
            foreach (var parameter in query.Split('&'))
            {
                if (parameter.Length == 0) continue;
                var equals = parameter.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                    throw new FormatException($"The URI's query parameter '{KeywordValueString.Shorten(Decode(equals < 0 ? parameter : "", "a parameter name"))}' has no '=value'.");
                var name = Decode(parameter[..equals], "a parameter name");
                var value = Decode(parameter[(equals + 1)..], $"the value of parameter '{KeywordValueString.Shorten(name)}'");
                // libpq reads ssl=true as sslmode=require.
                if (name == "ssl" && value == "true") pairs.Add(new("sslmode", "require"));
                else pairs.Add(new(name, value));
            }
        }
        return pairs;
    }

    /// <summary><c>host</c>, <c>host:port</c>, <c>[v6]</c>, <c>[v6]:port</c>; a port must be digits.</summary>
    private static (string Host, string Port) SplitHostPort(string item)
    {
        if (item.StartsWith('['))
        {
            var close = item.IndexOf(']', StringComparison.Ordinal);
            if (close < 0) throw new FormatException("An IPv6 address in the URI's host list has no closing ']'.");
            var host = item[1..close];
            var after = item[(close + 1)..];
            if (after.Length == 0) return (host, "");
            if (after[0] != ':') throw new FormatException($"Unexpected text after the IPv6 address [{host}] in the URI's host list (expected ':port').");
            return (host, CheckPort(after[1..], host));
        }
        var colon = item.LastIndexOf(':');
        if (colon < 0) return (item, "");
        return (item[..colon], CheckPort(item[(colon + 1)..], item[..colon]));
    }

    private static string CheckPort(string port, string host)
    {
        if (port.Length == 0) return "";
        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
            throw new FormatException($"The port of host '{host}' in the URI is '{KeywordValueString.Shorten(port)}': a port is a number from 1 to 65535.");
        return port;
    }

    /// <summary>Percent-decodes <paramref name="part"/> as UTF-8; a bad escape names the part, not its text.</summary>
    private static string Decode(string part, string what)
    {
        if (!part.Contains('%', StringComparison.Ordinal)) return part;
        var bytes = new List<byte>(part.Length);
        for (var i = 0; i < part.Length; i++)
        {
            if (part[i] != '%')
            {
                var next = part.IndexOf('%', i);
                if (next < 0) next = part.Length;
                bytes.AddRange(Encoding.UTF8.GetBytes(part[i..next]));
                i = next - 1;
                continue;
            }
            if (i + 2 >= part.Length || !byte.TryParse(part.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
                throw new FormatException($"The URI has a bad percent-encoding in {what} (a '%' must be followed by two hex digits).");
            bytes.Add(b);
            i += 2;
        }
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes.ToArray());
        }
        catch (DecoderFallbackException)
        {
            throw new FormatException($"The URI's {what} is not valid UTF-8 once percent-decoded.");
        }
    }
}

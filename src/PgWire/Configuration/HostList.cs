using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace PgWire.Configuration;

/// <summary>One server of a host list: a name, an address or a Unix-socket directory, and its port.</summary>
internal readonly record struct HostEndpoint(string Host, int Port)
{
    /// <summary>Whether <see cref="Host"/> is a Unix-domain socket directory rather than a TCP host.</summary>
    public bool IsSocketDirectory => Host.StartsWith('/');

    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) && !IsSocketDirectory ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}

/// <summary>
/// Host lists: <c>a,b:5433,[::1]:5434,/var/run/postgresql</c> (Npgsql's form, a port per host where it differs from the
/// default), and the conversion of libpq's parallel <c>host=a,b port=5432,5433</c> lists into it.
/// </summary>
internal static class HostList
{
    /// <summary>The hosts of <paramref name="hosts"/>, each with its own port or <paramref name="defaultPort"/>.</summary>
    /// <exception cref="FormatException">An empty entry, a bad port, an unclosed bracket.</exception>
    public static HostEndpoint[] Parse(string hosts, int defaultPort)
    {
        var items = hosts.Split(',');
        var endpoints = new HostEndpoint[items.Length];
        for (var i = 0; i < items.Length; i++)
        {
            var item = items[i].Trim();
            if (item.Length == 0)
                throw new FormatException($"Host entry {i + 1} of {items.Length} is empty (Host is a comma-separated list: a,b:5433,c).");
            endpoints[i] = ParseOne(item, defaultPort);
        }
        return endpoints;
    }

    private static HostEndpoint ParseOne(string item, int defaultPort)
    {
        if (item.StartsWith('['))
        {
            var close = item.IndexOf(']', StringComparison.Ordinal);
            if (close < 0) throw new FormatException($"The host '{item}' opens an IPv6 bracket without closing it.");
            var address = item[1..close];
            var after = item[(close + 1)..];
            if (after.Length == 0) return new(address, defaultPort);
            if (after[0] != ':') throw new FormatException($"Unexpected text after [{address}] in Host (expected ':port').");
            return new(address, ParsePort(after[1..], address));
        }
        var colon = item.LastIndexOf(':');
        // A socket directory (its port names the socket file, .s.PGSQL.<port>) takes ':port' only as trailing digits.
        if (item.StartsWith('/'))
        {
            if (colon < 0 || colon == item.Length - 1 || item.AsSpan(colon + 1).ContainsAnyExceptInRange('0', '9')) return new(item, defaultPort);
            return new(item[..colon], ParsePort(item[(colon + 1)..], item[..colon]));
        }
        // A bare IPv6 address (more than one ':') carries no port; brackets give it one.
        if (colon < 0 || (item.IndexOf(':', StringComparison.Ordinal) != colon && IPAddress.TryParse(item, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6))
            return new(item, defaultPort);
        return new(item[..colon], ParsePort(item[(colon + 1)..], item[..colon]));
    }

    private static int ParsePort(string text, string host) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535
            ? port
            : throw new FormatException($"The port of host '{host}' is '{KeywordValueString.Shorten(text)}': a port is a number from 1 to 65535.");

    /// <summary>
    /// libpq's <c>host</c> and <c>port</c> lists as one Npgsql-style Host (a port per host) and a default Port:
    /// one port applies to every host; otherwise there must be as many ports as hosts (an empty one is the default).
    /// </summary>
    /// <exception cref="FormatException">The lists differ in length.</exception>
    public static (string? Host, string? Port) FromLibpq(string? hosts, string? ports)
    {
        if (ports is null || !ports.Contains(',', StringComparison.Ordinal)) return (hosts, ports is { Length: > 0 } ? ports : null);
        var portList = ports.Split(',');
        var hostList = (hosts ?? "").Split(',');
        if (hostList.Length != portList.Length)
            throw new FormatException($"The port list has {portList.Length} entries for {hostList.Length} host(s): give one port for all or one per host.");
        var combined = new string[hostList.Length];
        for (var i = 0; i < hostList.Length; i++)
        {
            var host = hostList[i].Trim();
            var port = portList[i].Trim();
            if (port.Length > 0) ParsePort(port, host);
            var bracketed = host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('/') && !host.StartsWith('[') ? $"[{host}]" : host;
            combined[i] = port.Length == 0 ? bracketed : $"{bracketed}:{port}";
        }
        return (string.Join(',', combined), null);
    }
}

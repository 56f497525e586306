using System.Net;

namespace PgWire;

/// <summary>An inet or cidr value: an address with its prefix length (netmask bits), as PostgreSQL keeps it.</summary>
/// <param name="Address">The address.</param>
/// <param name="PrefixLength">The number of network bits: 32 (IPv4) or 128 (IPv6) for a single host.</param>
public readonly record struct PgInet(IPAddress Address, byte PrefixLength)
{
    /// <summary>The value in PostgreSQL's text form, for example <c>192.168.0.0/24</c>.</summary>
    public override string ToString() => $"{Address}/{PrefixLength}";
}

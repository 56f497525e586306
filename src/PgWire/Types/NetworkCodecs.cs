using System.Buffers;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace PgWire.Types;

/// <summary>
/// The wire form shared by inet and cidr: Byte1 family (2 = IPv4, 3 = IPv6), Byte1 prefix bits, Byte1 is-cidr,
/// Byte1 address length (4 or 16), then the address.
/// </summary>
internal static class InetWire
{
    public static PgInet Read(ReadOnlySpan<byte> value, string type)
    {
        if (value.Length < 4) throw new InvalidCastException($"an {type} value is at least 4 bytes but the server sent {value.Length}");
        var expected = value[0] switch
        {
            2 => 4,
            3 => 16,
            var family => throw new InvalidCastException($"the {type} value has unknown address family {family}"),
        };
        if (value[3] != expected || value.Length != 4 + expected)
            throw new InvalidCastException($"the {type} value declares a {value[3]}-byte address in {value.Length} bytes");
        if (value[1] > expected * 8) throw new InvalidCastException($"the {type} prefix length {value[1]} is too long");
        return new PgInet(new IPAddress(value.Slice(4, expected)), value[1]);
    }

    public static void Write(PgInet value, bool cidr, IBufferWriter<byte> writer)
    {
        var length = HostBits(value.Address) / 8;
        if (value.PrefixLength > length * 8)
            throw new ArgumentOutOfRangeException(nameof(value), value.PrefixLength, $"An {(length == 16 ? "IPv6" : "IPv4")} prefix is at most {length * 8} bits.");
        var span = writer.GetSpan(4 + length);
        span[0] = length == 16 ? (byte)3 : (byte)2;
        span[1] = value.PrefixLength;
        span[2] = cidr ? (byte)1 : (byte)0;
        span[3] = (byte)length;
        value.Address.TryWriteBytes(span[4..], out _);
        writer.Advance(4 + length);
    }

    /// <summary>32 for an IPv4 address, 128 for IPv6: the prefix length of a single host.</summary>
    public static int HostBits(IPAddress address) => address.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;

    /// <summary>The value as an <see cref="IPNetwork"/>, which holds only a network address (no bits set past the prefix).</summary>
    public static IPNetwork ToNetwork(PgInet value, string type)
    {
        try
        {
            return new IPNetwork(value.Address, value.PrefixLength);
        }
        catch (ArgumentException)
        {
            throw new InvalidCastException($"the {type} value {value} has bits set past its prefix, which IPNetwork cannot hold; read it as PgInet");
        }
    }
}

/// <summary>
/// inet: a host address with an optional netmask. Reads as IPAddress only when it has no netmask (the prefix is the
/// whole address: /32 or /128), since IPAddress would drop it; as <see cref="PgInet"/> always; as IPNetwork when no
/// bits are set past the prefix.
/// </summary>
internal sealed class InetCodec : PgCodec<IPAddress, PgInet>, IPgReader<PgInet>, IPgReader<IPNetwork>
{
    public static readonly InetCodec Instance = new();

    public override IPAddress Read(ReadOnlySpan<byte> value)
    {
        var inet = InetWire.Read(value, "inet");
        return inet.PrefixLength == InetWire.HostBits(inet.Address) ? inet.Address
            : throw new InvalidCastException($"the inet value {inet} has a netmask, which IPAddress would drop; read it as PgInet");
    }

    PgInet IPgReader<PgInet>.Read(ReadOnlySpan<byte> value) => InetWire.Read(value, "inet");

    IPNetwork IPgReader<IPNetwork>.Read(ReadOnlySpan<byte> value) => InetWire.ToNetwork(InetWire.Read(value, "inet"), "inet");

    public override void Write(IPAddress value, IBufferWriter<byte> writer) =>
        InetWire.Write(new PgInet(value, (byte)InetWire.HostBits(value)), cidr: false, writer);

    protected override void WriteAlso(PgInet value, IBufferWriter<byte> writer) => InetWire.Write(value, cidr: false, writer);
}

/// <summary>
/// cidr: a network (no bits set past the prefix). Reads as IPNetwork (the default) or <see cref="PgInet"/>, never as a
/// bare IPAddress, which would drop the prefix length: <c>10.0.0.0/8</c> and <c>10.0.0.0/16</c> are different networks.
/// </summary>
internal sealed class CidrCodec : PgCodec<IPNetwork, PgInet>, IPgReader<PgInet>
{
    public static readonly CidrCodec Instance = new();

    public override IPNetwork Read(ReadOnlySpan<byte> value) => InetWire.ToNetwork(InetWire.Read(value, "cidr"), "cidr");

    PgInet IPgReader<PgInet>.Read(ReadOnlySpan<byte> value) => InetWire.Read(value, "cidr");

    public override void Write(IPNetwork value, IBufferWriter<byte> writer) =>
        InetWire.Write(new PgInet(value.BaseAddress, (byte)value.PrefixLength), cidr: true, writer);

    protected override void WriteAlso(PgInet value, IBufferWriter<byte> writer) => InetWire.Write(value, cidr: true, writer);
}

/// <summary>macaddr (6 bytes) and macaddr8 (8 bytes) as PhysicalAddress.</summary>
internal sealed class MacAddressCodec(int length) : PgCodec<PhysicalAddress>
{
    public static readonly MacAddressCodec MacAddr = new(6);
    public static readonly MacAddressCodec MacAddr8 = new(8);

    public override PhysicalAddress Read(ReadOnlySpan<byte> value) =>
        value.Length == length ? new PhysicalAddress(value.ToArray()) : throw WrongLength(length == 6 ? "macaddr" : "macaddr8", length, value.Length);

    public override void Write(PhysicalAddress value, IBufferWriter<byte> writer)
    {
        var bytes = value.GetAddressBytes();
        if (bytes.Length != length)
            throw new ArgumentException($"A {(length == 6 ? "macaddr" : "macaddr8")} is {length} bytes; this address has {bytes.Length}.", nameof(value));
        writer.Write(bytes);
    }
}

using System.Buffers;
using System.Net;
using System.Net.NetworkInformation;

namespace PgWire.Types;

/// <summary>
/// inet and cidr: Byte1 family (2 = IPv4, 3 = IPv6), Byte1 prefix bits, Byte1 is-cidr, Byte1 address length (4 or 16),
/// then the address. Read as IPAddress (the prefix dropped) or as <see cref="PgInet"/> (kept).
/// </summary>
internal sealed class InetCodec(bool cidr) : PgCodec<IPAddress, PgInet>, IPgReader<PgInet>
{
    public static readonly InetCodec Inet = new(false);
    public static readonly InetCodec Cidr = new(true);

    public override IPAddress Read(ReadOnlySpan<byte> value) => ReadInet(value).Address;

    PgInet IPgReader<PgInet>.Read(ReadOnlySpan<byte> value) => ReadInet(value);

    public override void Write(IPAddress value, IBufferWriter<byte> writer) =>
        WriteAlso(new PgInet(value, (byte)(value.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32)), writer);

    protected override void WriteAlso(PgInet value, IBufferWriter<byte> writer)
    {
        var v6 = value.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        var length = v6 ? 16 : 4;
        if (value.PrefixLength > length * 8)
            throw new ArgumentOutOfRangeException(nameof(value), value.PrefixLength, $"An {(v6 ? "IPv6" : "IPv4")} prefix is at most {length * 8} bits.");
        var span = writer.GetSpan(4 + length);
        span[0] = v6 ? (byte)3 : (byte)2;
        span[1] = value.PrefixLength;
        span[2] = cidr ? (byte)1 : (byte)0;
        span[3] = (byte)length;
        value.Address.TryWriteBytes(span[4..], out _);
        writer.Advance(4 + length);
    }

    private static PgInet ReadInet(ReadOnlySpan<byte> value)
    {
        if (value.Length < 4) throw new InvalidCastException($"an inet value is at least 4 bytes but the server sent {value.Length}");
        var expected = value[0] switch
        {
            2 => 4,
            3 => 16,
            var family => throw new InvalidCastException($"the inet value has unknown address family {family}"),
        };
        if (value[3] != expected || value.Length != 4 + expected)
            throw new InvalidCastException($"the inet value declares a {value[3]}-byte address in {value.Length} bytes");
        if (value[1] > expected * 8) throw new InvalidCastException($"the inet prefix length {value[1]} is too long");
        return new PgInet(new IPAddress(value.Slice(4, expected)), value[1]);
    }
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

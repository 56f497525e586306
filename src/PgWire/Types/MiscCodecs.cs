using System.Buffers;
using System.Buffers.Binary;
using System.Collections;

namespace PgWire.Types;

/// <summary>oid, xid, cid, regclass, regtype and the other 4-byte unsigned identifier types: UInt32 big-endian.</summary>
internal sealed class OidCodec : PgCodec<uint>, IPgReader<long>
{
    public static readonly OidCodec Instance = new();

    public override uint Read(ReadOnlySpan<byte> value) =>
        value.Length == 4 ? BinaryPrimitives.ReadUInt32BigEndian(value) : throw WrongLength("oid", 4, value.Length);

    long IPgReader<long>.Read(ReadOnlySpan<byte> value) => Read(value);

    public override void Write(uint value, IBufferWriter<byte> writer)
    {
        BinaryPrimitives.WriteUInt32BigEndian(writer.GetSpan(4), value);
        writer.Advance(4);
    }
}

/// <summary>"char" (the one-byte internal type): read as char, or as byte.</summary>
internal sealed class InternalCharCodec : PgCodec<char>, IPgReader<byte>, IPgReader<string>
{
    public static readonly InternalCharCodec Instance = new();

    public override char Read(ReadOnlySpan<byte> value) => (char)ReadByte(value);

    byte IPgReader<byte>.Read(ReadOnlySpan<byte> value) => ReadByte(value);

    string IPgReader<string>.Read(ReadOnlySpan<byte> value) => value.Length == 0 ? "" : ((char)ReadByte(value)).ToString();

    public override void Write(char value, IBufferWriter<byte> writer)
    {
        if (value > 0xFF) throw new ArgumentOutOfRangeException(nameof(value), value, "\"char\" holds one byte.");
        writer.GetSpan(1)[0] = (byte)value;
        writer.Advance(1);
    }

    private static byte ReadByte(ReadOnlySpan<byte> value) =>
        value.Length switch { 0 => 0, 1 => value[0], _ => throw WrongLength("\"char\"", 1, value.Length) };
}

/// <summary>money: Int64 in hundredths (PostgreSQL's lc_monetary with two fractional digits, the common case), as decimal.</summary>
internal sealed class MoneyCodec : PgCodec<decimal>
{
    public static readonly MoneyCodec Instance = new();

    public override decimal Read(ReadOnlySpan<byte> value) =>
        value.Length == 8 ? new decimal(BinaryPrimitives.ReadInt64BigEndian(value)) / 100m : throw WrongLength("money", 8, value.Length);

    public override void Write(decimal value, IBufferWriter<byte> writer)
    {
        var cents = value * 100m;
        if (cents != decimal.Truncate(cents)) throw new ArgumentException($"money keeps two fractional digits; {value} has more.", nameof(value));
        BinaryPrimitives.WriteInt64BigEndian(writer.GetSpan(8), checked((long)cents));
        writer.Advance(8);
    }
}

/// <summary>bit and varbit: Int32 bit count, then the bits, most significant first. Reads as BitArray, or bool for one bit.</summary>
internal sealed class BitCodec : PgCodec<BitArray>, IPgReader<bool>
{
    public static readonly BitCodec Instance = new();

    public override BitArray Read(ReadOnlySpan<byte> value)
    {
        if (value.Length < 4) throw new InvalidCastException($"a bit string is at least 4 bytes but the server sent {value.Length}");
        var count = BinaryPrimitives.ReadInt32BigEndian(value);
        if (count < 0 || (count + 7) / 8 != value.Length - 4)
            throw new InvalidCastException($"the bit string declares {count} bits in {value.Length - 4} bytes");
        var bits = new BitArray(count);
        for (var i = 0; i < count; i++) bits[i] = (value[4 + i / 8] & (0x80 >> (i % 8))) != 0;
        return bits;
    }

    bool IPgReader<bool>.Read(ReadOnlySpan<byte> value)
    {
        var bits = Read(value);
        return bits.Length == 1 ? bits[0] : throw new InvalidCastException($"the bit string has {bits.Length} bits; only bit(1) reads as bool");
    }

    public override void Write(BitArray value, IBufferWriter<byte> writer)
    {
        var bytes = (value.Length + 7) / 8;
        var span = writer.GetSpan(4 + bytes);
        BinaryPrimitives.WriteInt32BigEndian(span, value.Length);
        span.Slice(4, bytes).Clear();
        for (var i = 0; i < value.Length; i++)
            if (value[i]) span[4 + i / 8] |= (byte)(0x80 >> (i % 8));
        writer.Advance(4 + bytes);
    }
}

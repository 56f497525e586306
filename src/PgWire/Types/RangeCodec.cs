using System.Buffers;
using System.Buffers.Binary;
using PgWire.Protocol;

namespace PgWire.Types;

/// <summary>
/// Ranges (int4range, int8range, numrange, daterange, tsrange, tstzrange): Byte1 flags (0x01 empty, 0x02 lower
/// inclusive, 0x04 upper inclusive, 0x08 lower unbounded, 0x10 upper unbounded), then each present bound as Int32 length
/// and the subtype's binary value.
/// </summary>
internal sealed class RangeCodec<T>(string name, PgCodec<T> subtype) : PgCodec<PgRange<T>>
{
    /// <summary>Arrays of ranges: a value type, so a codec named here for NativeAOT.</summary>
    public override PgCodec? MakeArrayCodec(uint elementOid, string elementName) => new StructArrayCodec<PgRange<T>>(elementOid, elementName, this);

    public override PgCodec? MakeMultirangeCodec(string multirangeName) => new MultirangeCodec<T>(multirangeName, this);

    private const byte Empty = 0x01, LowerInclusive = 0x02, UpperInclusive = 0x04, LowerInfinite = 0x08, UpperInfinite = 0x10;

    public override PgRange<T> Read(ReadOnlySpan<byte> value)
    {
        var range = ReadRange(value, out var consumed);
        if (consumed != value.Length) throw new InvalidCastException($"the {name} value has {value.Length - consumed} trailing bytes");
        return range;
    }

    /// <summary>Reads one range from the start of <paramref name="value"/>; also used inside multiranges.</summary>
    public PgRange<T> ReadRange(ReadOnlySpan<byte> value, out int consumed)
    {
        if (value.Length < 1) throw new InvalidCastException($"a {name} value is at least 1 byte");
        var flags = value[0];
        consumed = 1;
        if ((flags & Empty) != 0) return PgRange<T>.Empty;
        T? lower = default, upper = default;
        if ((flags & LowerInfinite) == 0) lower = ReadBound(value, ref consumed);
        if ((flags & UpperInfinite) == 0) upper = ReadBound(value, ref consumed);
        return new PgRange<T>(lower, (flags & LowerInclusive) != 0, (flags & LowerInfinite) != 0,
            upper, (flags & UpperInclusive) != 0, (flags & UpperInfinite) != 0);
    }

    private T ReadBound(ReadOnlySpan<byte> value, ref int offset)
    {
        if (value.Length - offset < 4) throw new InvalidCastException($"a {name} bound is truncated");
        var length = BinaryPrimitives.ReadInt32BigEndian(value[offset..]);
        offset += 4;
        if (length < 0 || length > value.Length - offset) throw new InvalidCastException($"a {name} bound claims {length} bytes");
        var bound = subtype.Read(value.Slice(offset, length));
        offset += length;
        return bound;
    }

    public override void Write(PgRange<T> value, IBufferWriter<byte> writer)
    {
        byte flags = 0;
        if (value.IsEmpty) flags = Empty;
        else
        {
            if (value.LowerBoundIsInclusive && !value.LowerBoundInfinite) flags |= LowerInclusive;
            if (value.UpperBoundIsInclusive && !value.UpperBoundInfinite) flags |= UpperInclusive;
            if (value.LowerBoundInfinite) flags |= LowerInfinite;
            if (value.UpperBoundInfinite) flags |= UpperInfinite;
        }
        writer.GetSpan(1)[0] = flags;
        writer.Advance(1);
        if (value.IsEmpty) return;
        if (!value.LowerBoundInfinite) WriteBound(value.LowerBound!, writer);
        if (!value.UpperBoundInfinite) WriteBound(value.UpperBound!, writer);
    }

    private void WriteBound(T bound, IBufferWriter<byte> writer)
    {
        if (writer is ILengthPrefixWriter patchable)
        {
            var at = patchable.ReserveInt32();
            subtype.Write(bound, writer);
            patchable.PatchInt32(at, patchable.WrittenCount - at - 4);
            return;
        }
        var scratch = new ArrayBufferWriter<byte>();
        subtype.Write(bound, scratch);
        BinaryPrimitives.WriteInt32BigEndian(writer.GetSpan(4), scratch.WrittenCount);
        writer.Advance(4);
        writer.Write(scratch.WrittenSpan);
    }
}

/// <summary>Multiranges (PostgreSQL 14+): Int32 count, then each range as Int32 length and the range's binary form.</summary>
internal sealed class MultirangeCodec<T>(string name, RangeCodec<T> range) : PgCodec<PgRange<T>[]>
{
    /// <summary>Arrays of multiranges (an array codec makes no arrays of its own, so NativeAOT's generic expansion ends here).</summary>
    public override PgCodec? MakeArrayCodec(uint elementOid, string elementName) => new ArrayCodec<PgRange<T>[]>(elementOid, elementName, this);

    public override PgRange<T>[] Read(ReadOnlySpan<byte> value)
    {
        if (value.Length < 4) throw new InvalidCastException($"a {name} value is at least 4 bytes");
        var count = BinaryPrimitives.ReadInt32BigEndian(value);
        if (count < 0 || count > (value.Length - 4) / 5) throw new InvalidCastException($"the {name} value declares {count} ranges in {value.Length} bytes");
        var result = new PgRange<T>[count];
        var offset = 4;
        for (var i = 0; i < count; i++)
        {
            if (value.Length - offset < 4) throw new InvalidCastException($"the {name} value is truncated at range {i}");
            var length = BinaryPrimitives.ReadInt32BigEndian(value[offset..]);
            offset += 4;
            if (length < 1 || length > value.Length - offset) throw new InvalidCastException($"range {i} of the {name} value claims {length} bytes");
            result[i] = range.Read(value.Slice(offset, length));
            offset += length;
        }
        if (offset != value.Length) throw new InvalidCastException($"the {name} value has {value.Length - offset} trailing bytes");
        return result;
    }

    public override void Write(PgRange<T>[] value, IBufferWriter<byte> writer)
    {
        BinaryPrimitives.WriteInt32BigEndian(writer.GetSpan(4), value.Length);
        writer.Advance(4);
        foreach (var item in value)
        {
            var scratch = new ArrayBufferWriter<byte>();
            range.Write(item, scratch);
            BinaryPrimitives.WriteInt32BigEndian(writer.GetSpan(4), scratch.WrittenCount);
            writer.Advance(4);
            writer.Write(scratch.WrittenSpan);
        }
    }
}

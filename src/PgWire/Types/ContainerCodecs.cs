using System.Net;

namespace PgWire.Types;

/// <summary>
/// The array codec (and range codec) of each built-in codec, named statically so that NativeAOT compiles every
/// <see cref="StructArrayCodec{TElement}"/> PgWire uses (building them with MakeGenericType fails at run time there).
/// Ranges and mapped enums make their own (<see cref="RangeCodec{T}"/>, <see cref="MappedEnumCodec{TEnum}"/>).
/// </summary>
internal static class ContainerCodecs
{
    /// <summary>The built-in range over <paramref name="subtype"/> (int4, int8, numeric, date, timestamp, timestamptz).</summary>
    public static PgCodec? Range(PgCodec subtype, string rangeName) => subtype switch
    {
        PgCodec<int> c => new RangeCodec<int>(rangeName, c),
        PgCodec<long> c => new RangeCodec<long>(rangeName, c),
        PgCodec<decimal> c => new RangeCodec<decimal>(rangeName, c),
        PgCodec<DateOnly> c => new RangeCodec<DateOnly>(rangeName, c),
        PgCodec<DateTime> c => new RangeCodec<DateTime>(rangeName, c),
        _ => null,
    };

    /// <summary>
    /// The array codec of <paramref name="element"/> when its CLR type is one PgWire's codecs read (every built-in type
    /// and composites); else null (read in text form). Arrays of arrays do not exist in PostgreSQL.
    /// </summary>
    public static PgCodec? Create(PgCodec element, uint elementOid, string elementName) => element switch
    {
        PgCodec<bool> c => new StructArrayCodec<bool>(elementOid, elementName, c),
        PgCodec<short> c => new StructArrayCodec<short>(elementOid, elementName, c),
        PgCodec<int> c => new StructArrayCodec<int>(elementOid, elementName, c),
        PgCodec<long> c => new StructArrayCodec<long>(elementOid, elementName, c),
        PgCodec<float> c => new StructArrayCodec<float>(elementOid, elementName, c),
        PgCodec<double> c => new StructArrayCodec<double>(elementOid, elementName, c),
        PgCodec<decimal> c => new StructArrayCodec<decimal>(elementOid, elementName, c),
        PgCodec<uint> c => new StructArrayCodec<uint>(elementOid, elementName, c),
        PgCodec<char> c => new StructArrayCodec<char>(elementOid, elementName, c),
        PgCodec<Guid> c => new StructArrayCodec<Guid>(elementOid, elementName, c),
        PgCodec<DateOnly> c => new StructArrayCodec<DateOnly>(elementOid, elementName, c),
        PgCodec<DateTime> c => new StructArrayCodec<DateTime>(elementOid, elementName, c),
        PgCodec<DateTimeOffset> c => new StructArrayCodec<DateTimeOffset>(elementOid, elementName, c),
        PgCodec<TimeOnly> c => new StructArrayCodec<TimeOnly>(elementOid, elementName, c),
        PgCodec<PgInterval> c => new StructArrayCodec<PgInterval>(elementOid, elementName, c),
        PgCodec<IPNetwork> c => new StructArrayCodec<IPNetwork>(elementOid, elementName, c),
        PgCodec<string> c => new ArrayCodec<string>(elementOid, elementName, c),
        PgCodec<byte[]> c => new ArrayCodec<byte[]>(elementOid, elementName, c),
        PgCodec<object?[]> c => new ArrayCodec<object?[]>(elementOid, elementName, c),
        PgCodec<Dictionary<string, string?>> c => new ArrayCodec<Dictionary<string, string?>>(elementOid, elementName, c),
        PgCodec<System.Collections.BitArray> c => new ArrayCodec<System.Collections.BitArray>(elementOid, elementName, c),
        PgCodec<IPAddress> c => new ArrayCodec<IPAddress>(elementOid, elementName, c),
        PgCodec<System.Net.NetworkInformation.PhysicalAddress> c => new ArrayCodec<System.Net.NetworkInformation.PhysicalAddress>(elementOid, elementName, c),
        _ => null,
    };
}

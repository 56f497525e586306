using System.Net;

namespace PgWire.Types;

/// <summary>
/// The array codec of each built-in value-type codec, named statically so that NativeAOT compiles every
/// <see cref="StructArrayCodec{TElement}"/> PgWire uses (building them with MakeGenericType fails at run time there).
/// Ranges and mapped enums make their own (<see cref="RangeCodec{T}"/>, <see cref="MappedEnumCodec{TEnum}"/>).
/// </summary>
internal static class StructArrays
{
    /// <summary>The array codec of <paramref name="element"/> when its CLR type is a built-in value type; else null.</summary>
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
        _ => null,
    };
}

using System.Buffers;
using System.Buffers.Binary;
using System.Collections;
using PgWire.Protocol;

namespace PgWire.Types;

/// <summary>Reads an array value into a CLR array of any rank, for <c>Get&lt;int[,]&gt;</c> and friends.</summary>
internal interface IArrayReader
{
    /// <summary>Reads the array as <paramref name="arrayType"/> (its element type is the codec's, or its Nullable).</summary>
    Array ReadArray(ReadOnlySpan<byte> value, Type arrayType);
}

/// <summary>
/// Arrays of one element type. Wire form: Int32 dimensions, Int32 has-nulls flag, UInt32 element OID, per dimension
/// Int32 length and Int32 lower bound, then the elements in row-major order, each Int32 length (-1 = NULL) and bytes.
/// One-dimensional arrays read as <typeparamref name="TElement"/>[] or List; any rank reads into a CLR array of that
/// rank. Lower bounds other than 1 are accepted; CLR arrays start at 0, so the bound itself is not kept.
/// </summary>
internal class ArrayCodec<TElement>(uint elementOid, string elementName, PgCodec<TElement> element)
    : PgCodec<TElement[]>, IPgReader<List<TElement>>, IArrayReader, IJsonArray
{
    /// <summary>
    /// PostgreSQL has no arrays of arrays (a multi-dimensional array is one array): none, which also keeps NativeAOT
    /// from generating <c>ArrayCodec&lt;T[]&gt;</c>, <c>ArrayCodec&lt;T[][]&gt;</c>, ... without end.
    /// </summary>
    public override PgCodec? MakeArrayCodec(uint elementOid, string elementName) => null;

    private const int MaxDimensions = 6; // PostgreSQL's MAXDIM

    public uint ElementOid => elementOid;

    public PgCodec<TElement> Element => element;

    public override TElement[] Read(ReadOnlySpan<byte> value) => (TElement[])ReadArray(value, typeof(TElement[]));

    List<TElement> IPgReader<List<TElement>>.Read(ReadOnlySpan<byte> value) => [.. Read(value)];

    public override object ReadAsObject(ReadOnlySpan<byte> value)
    {
        var header = ReadHeader(value, out _);
        return ReadArray(value, DefaultArrayType(Math.Max(header.Dimensions, 1), header.HasNulls));
    }

    /// <summary>The CLR array an array of this rank reads as by default (<c>T?[]</c> for value types holding NULLs).</summary>
    protected virtual Type DefaultArrayType(int rank, bool hasNulls) => ArrayTypes<TElement>.Of(rank);

    public Array ReadArray(ReadOnlySpan<byte> value, Type arrayType)
    {
        var header = ReadHeader(value, out var offset);
        var clrElement = arrayType.GetElementType()!;
        var underlying = Nullable.GetUnderlyingType(clrElement);
        var nullableElements = clrElement != typeof(TElement);
        // Elements read as another CLR type the element codec offers (PgDate for date, string for numeric, ...).
        var alternate = (underlying ?? clrElement) == typeof(TElement) ? null
            : CodecReaders.For(element, underlying ?? clrElement) ?? throw new InvalidCastException($"a {elementName}[] cannot be read as {arrayType}");
        var nullAllowed = !clrElement.IsValueType || underlying is not null;
        var rank = arrayType.GetArrayRank();
        if (header.Dimensions > 0 && header.Dimensions != rank)
            throw new InvalidCastException($"the array has {header.Dimensions} dimensions but {arrayType} has {rank}");

        var oneDimensional = rank == 1;
        int[] lengths = [], index = [];
        Array result;
        if (oneDimensional)
        {
            var length = header.Dimensions == 0 ? 0 : header.Count;
            // The common case without reflection: a plain T[].
            result = clrElement == typeof(TElement) ? new TElement[length] : Array.CreateInstanceFromArrayType(arrayType, length);
        }
        else
        {
            lengths = new int[rank];
            for (var d = 0; d < header.Dimensions; d++) lengths[d] = header.Lengths[d];
            result = Array.CreateInstanceFromArrayType(arrayType, lengths);
            index = new int[rank];
        }
        var total = header.Count;
        for (var n = 0; n < total; n++)
        {
            if (value.Length - offset < 4) throw new InvalidCastException($"the array is truncated at element {n}");
            var length = BinaryPrimitives.ReadInt32BigEndian(value[offset..]);
            offset += 4;
            object? item;
            if (length == -1)
            {
                if (!nullAllowed)
                    throw new InvalidCastException($"element {n} of the {elementName}[] is NULL; read it as {clrElement.Name}?[]");
                item = null;
            }
            else
            {
                if (length < 0 || length > value.Length - offset)
                    throw new InvalidCastException($"element {n} of the array claims {length} bytes but {value.Length - offset} remain");
                if (alternate is not null)
                {
                    item = alternate(element, value.Slice(offset, length));
                    offset += length;
                }
                else
                {
                    var elementValue = element.Read(value.Slice(offset, length));
                    offset += length;
                    if (oneDimensional && !nullableElements)
                    {
                        ((TElement[])result)[n] = elementValue;
                        continue;
                    }
                    item = elementValue;
                }
            }
            if (oneDimensional) result.SetValue(item, n);
            else
            {
                result.SetValue(item, index);
                for (var d = rank - 1; d >= 0; d--)
                {
                    if (++index[d] < lengths[d]) break;
                    index[d] = 0;
                }
            }
        }
        if (offset != value.Length) throw new InvalidCastException($"the array has {value.Length - offset} bytes after its last element");
        return result;
    }

    public override void Write(TElement[] value, IBufferWriter<byte> writer) => WriteArray(value, writer);

    public override bool CanWrite(object value)
    {
        if (value is not (Array or IList) || value is byte[] || ElementTypeOf(value) is not { } type) return false;
        if (type == typeof(TElement) || Nullable.GetUnderlyingType(type) == typeof(TElement) || type == typeof(object)) return true;
        // Elements of another CLR type the element codec writes (PgDate for date, ...): judged by the first one.
        foreach (var item in (IEnumerable)value)
            if (item is not null) return element.CanWrite(item);
        return true;
    }

    public override bool TryWriteObject(object value, IBufferWriter<byte> writer)
    {
        if (!CanWrite(value)) return false;
        WriteArray(value is Array array ? array : ToArray((IList)value), writer);
        return true;
    }

    /// <summary>The element CLR type of an array or list value (null when it is not one).</summary>
    public static Type? ElementTypeOf(object value) => value switch
    {
        Array array => array.GetType().GetElementType(),
        IList list when list.GetType().IsGenericType => list.GetType().GetGenericArguments()[0],
        _ => null,
    };

    private static Array ToArray(IList list)
    {
        var array = new object?[list.Count];
        list.CopyTo(array, 0);
        return array;
    }

    private void WriteArray(Array value, IBufferWriter<byte> writer)
    {
        var rank = value.Rank;
        if (rank > MaxDimensions) throw new ArgumentException($"PostgreSQL arrays have at most {MaxDimensions} dimensions; this one has {rank}.");
        var empty = value.Length == 0;
        var hasNulls = false;
        foreach (var item in value)
        {
            if (item is null) hasNulls = true;
            else if (item is not TElement && !element.CanWrite(item))
                throw new InvalidCastException($"a {item.GetType()} cannot be an element of a {elementName}[]");
        }
        // Int32 ndim, Int32 flags, UInt32 element OID, per dimension Int32 length and Int32 lower bound (1).
        var dimensions = empty ? 0 : rank;
        var header = writer.GetSpan(12 + 8 * dimensions);
        BinaryPrimitives.WriteInt32BigEndian(header, dimensions);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], hasNulls ? 1 : 0);
        BinaryPrimitives.WriteUInt32BigEndian(header[8..], elementOid);
        for (var d = 0; d < dimensions; d++)
        {
            BinaryPrimitives.WriteInt32BigEndian(header[(12 + 8 * d)..], value.GetLength(d));
            BinaryPrimitives.WriteInt32BigEndian(header[(16 + 8 * d)..], 1);
        }
        writer.Advance(12 + 8 * dimensions);

        foreach (var item in value) WriteElement(item, writer);
    }

    private void WriteElement(object? item, IBufferWriter<byte> writer)
    {
        if (item is null)
        {
            BinaryPrimitives.WriteInt32BigEndian(writer.GetSpan(4), -1);
            writer.Advance(4);
            return;
        }
        if (item is TElement typed && writer is ILengthPrefixWriter patchable)
        {
            var at = patchable.ReserveInt32();
            element.Write(typed, writer);
            patchable.PatchInt32(at, patchable.WrittenCount - at - 4);
            return;
        }
        LengthPrefixed.Write(element, item, writer);
    }


    /// <summary>Writes the array as JSON: nested arrays per dimension, each element in its type's JSON form, NULL as null.</summary>
    public void WriteJson(ReadOnlySpan<byte> value, System.Text.Json.Utf8JsonWriter writer)
    {
        var header = ReadHeader(value, out var offset);
        var form = JsonForms.Of(element, elementOid, textFormat: false);
        if (header.Dimensions == 0)
        {
            writer.WriteStartArray();
            writer.WriteEndArray();
            return;
        }
        WriteJsonDimension(value, ref offset, header, 0, form, writer);
    }

    private void WriteJsonDimension(ReadOnlySpan<byte> value, ref int offset, in Header header, int dimension, JsonForm form, System.Text.Json.Utf8JsonWriter writer)
    {
        writer.WriteStartArray();
        var count = header.Lengths[dimension];
        for (var i = 0; i < count; i++)
        {
            if (dimension + 1 < header.Dimensions)
            {
                WriteJsonDimension(value, ref offset, header, dimension + 1, form, writer);
                continue;
            }
            // Per element: Int32 length (-1 = NULL), then the bytes.
            if (value.Length - offset < 4) throw new InvalidCastException("the array is truncated");
            var length = BinaryPrimitives.ReadInt32BigEndian(value[offset..]);
            offset += 4;
            if (length == -1)
            {
                writer.WriteNullValue();
                continue;
            }
            if (length < 0 || length > value.Length - offset)
                throw new InvalidCastException($"an element of the array claims {length} bytes but {value.Length - offset} remain");
            JsonForms.Write(form, element, value.Slice(offset, length), writer);
            offset += length;
        }
        writer.WriteEndArray();
    }

    /// <summary>The array's header; <see cref="Lengths"/> holds up to six dimension lengths inline (no allocation).</summary>
    private readonly record struct Header(int Dimensions, bool HasNulls, Dimensions6 Lengths, int Count);

    [System.Runtime.CompilerServices.InlineArray(MaxDimensions)]
    private struct Dimensions6
    {
        private int _element;
    }

    private Header ReadHeader(ReadOnlySpan<byte> value, out int offset)
    {
        if (value.Length < 12) throw new InvalidCastException($"an array value is at least 12 bytes but the server sent {value.Length}");
        var dimensions = BinaryPrimitives.ReadInt32BigEndian(value);
        var flags = BinaryPrimitives.ReadInt32BigEndian(value[4..]);
        var oid = BinaryPrimitives.ReadUInt32BigEndian(value[8..]);
        if (dimensions is < 0 or > MaxDimensions) throw new InvalidCastException($"the array declares {dimensions} dimensions");
        if (flags is not (0 or 1)) throw new InvalidCastException($"the array has unknown flags {flags}");
        if (oid != elementOid) throw new InvalidCastException($"the array's elements have type OID {oid}, not {elementOid} ({elementName})");
        if (value.Length < 12 + 8 * dimensions) throw new InvalidCastException("the array's dimensions are truncated");
        var lengths = new Dimensions6();
        long count = dimensions == 0 ? 0 : 1;
        for (var d = 0; d < dimensions; d++)
        {
            lengths[d] = BinaryPrimitives.ReadInt32BigEndian(value[(12 + 8 * d)..]);
            if (lengths[d] < 0) throw new InvalidCastException($"dimension {d + 1} of the array has length {lengths[d]}");
            count *= lengths[d];
            // Every element takes at least its 4-byte length: a count beyond that is a lie, refused before allocating.
            if (count > (value.Length - 12 - 8 * dimensions) / 4)
                throw new InvalidCastException($"the array declares {count} elements, more than its {value.Length} bytes can hold");
        }
        offset = 12 + 8 * dimensions;
        return new Header(dimensions, flags == 1, lengths, (int)count);
    }
}

/// <summary>Arrays of a value type, which can also read as <c>T?[]</c> and <c>List&lt;T?&gt;</c> when elements are NULL.</summary>
internal sealed class StructArrayCodec<TElement>(uint elementOid, string elementName, PgCodec<TElement> element)
    : ArrayCodec<TElement>(elementOid, elementName, element), IPgReader<TElement?[]>, IPgReader<List<TElement?>>
    where TElement : struct
{
    TElement?[] IPgReader<TElement?[]>.Read(ReadOnlySpan<byte> value) => (TElement?[])ReadArray(value, typeof(TElement?[]));

    protected override Type DefaultArrayType(int rank, bool hasNulls) => hasNulls ? ArrayTypes<TElement?>.Of(rank) : base.DefaultArrayType(rank, hasNulls);

    List<TElement?> IPgReader<List<TElement?>>.Read(ReadOnlySpan<byte> value) => [.. (TElement?[])ReadArray(value, typeof(TElement?[]))];
}

/// <summary>
/// The CLR array types of an element type for ranks 1 to 6 (PostgreSQL's MAXDIM), named statically so that NativeAOT has
/// them (MakeArrayType builds them at run time, which it cannot).
/// </summary>
internal static class ArrayTypes<TElement>
{
    public static Type Of(int rank) => rank switch
    {
        1 => typeof(TElement[]),
        2 => typeof(TElement[,]),
        3 => typeof(TElement[,,]),
        4 => typeof(TElement[,,,]),
        5 => typeof(TElement[,,,,]),
        6 => typeof(TElement[,,,,,]),
        _ => throw new InvalidCastException($"an array of {rank} dimensions is more than PostgreSQL's 6"),
    };
}

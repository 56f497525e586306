namespace PgWire.Protocol;

/// <summary>One field of a RowDescription message.</summary>
internal readonly record struct FieldDescription(
    string Name,
    uint TableOid,
    short ColumnAttributeNumber,
    uint TypeOid,
    short TypeSize,
    int TypeModifier,
    FormatCode Format);

/// <summary>The format of a parameter or column value on the wire.</summary>
internal enum FormatCode : short
{
    Text = 0,
    Binary = 1,
}

/// <summary>
/// RowDescription ('T'): Int16 field count, then per field: String name, Int32 table OID, Int16 column attribute
/// number, Int32 type OID, Int16 type size, Int32 type modifier, Int16 format code.
/// </summary>
internal static class RowDescription
{
    public static FieldDescription[] Parse(ReadOnlySpan<byte> body)
    {
        var reader = new PgSpanReader(body, "RowDescription");
        var count = reader.ReadInt16();
        if (count < 0) throw new PgWireProtocolException($"RowDescription declares {count} fields.");
        // Each field needs at least 19 bytes (an empty name's NUL plus 18 bytes of numbers): check before allocating.
        if (reader.Remaining < count * 19)
            throw new PgWireProtocolException($"RowDescription declares {count} fields but has only {reader.Remaining} bytes for them.");
        var fields = new FieldDescription[count];
        for (var i = 0; i < count; i++)
        {
            var name = reader.ReadCString();
            var tableOid = reader.ReadUInt32();
            var attribute = reader.ReadInt16();
            var typeOid = reader.ReadUInt32();
            var typeSize = reader.ReadInt16();
            var typeModifier = reader.ReadInt32();
            var format = reader.ReadInt16();
            if (format is not (0 or 1))
                throw new PgWireProtocolException($"RowDescription field {i} (\"{name}\") has format code {format}; only 0 (text) and 1 (binary) exist.");
            fields[i] = new FieldDescription(name, tableOid, attribute, typeOid, typeSize, typeModifier, (FormatCode)format);
        }
        reader.ExpectEnd();
        return fields;
    }
}

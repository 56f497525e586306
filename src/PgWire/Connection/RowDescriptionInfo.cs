using PgWire.Protocol;
using PgWire.Types;

namespace PgWire.Connection;

/// <summary>
/// A parsed RowDescription with each column's type and reading codec resolved once: the decode context a result
/// carries with it. Immutable, so one instance is shared by every result with the same description.
/// </summary>
internal sealed class RowDescriptionInfo
{
    public RowDescriptionInfo(byte[] rawBody, FieldDescription[] fields, PgTypeRegistry registry)
    {
        RawBody = rawBody;
        Fields = fields;
        Types = new PgTypeInfo[fields.Length];
        Codecs = new PgCodec?[fields.Length];
        for (var i = 0; i < fields.Length; i++)
        {
            Types[i] = registry.Resolve(fields[i].TypeOid);
            // A column sent as text reads as its text form; one sent in binary needs the type's codec.
            Codecs[i] = fields[i].Format == FormatCode.Text ? TextCodec.Instance : Types[i].BinaryCodec;
        }
    }

    /// <summary>The same columns with their types resolved again: after the catalog was reloaded for a type it lacked.</summary>
    public RowDescriptionInfo WithCurrentTypes(PgTypeRegistry registry) => new(RawBody, Fields, registry);

    /// <summary>
    /// The same columns in the given formats: a statement's description (whose formats the server leaves as text)
    /// turned into what a portal bound with those result formats produces.
    /// </summary>
    public RowDescriptionInfo WithFormats(FormatCode[] formats, PgTypeRegistry registry)
    {
        var fields = new FieldDescription[Fields.Length];
        for (var i = 0; i < fields.Length; i++) fields[i] = Fields[i] with { Format = formats[i] };
        return new RowDescriptionInfo([], fields, registry);
    }

    /// <summary>The message body this was parsed from, to recognise an identical description cheaply.</summary>
    public byte[] RawBody { get; }

    public FieldDescription[] Fields { get; }

    public PgTypeInfo[] Types { get; }

    /// <summary>Per column; null when the column arrived in binary for a type PgWire has no codec for.</summary>
    public PgCodec?[] Codecs { get; }

    public int Count => Fields.Length;

    private (System.Text.Json.JsonEncodedText Name, JsonForm Form)[]? _json;

    /// <summary>Per column: its name encoded once for JSON property names, and its values' JSON form (built on first use).</summary>
    public (System.Text.Json.JsonEncodedText Name, JsonForm Form)[] JsonColumns => _json ??= BuildJsonColumns();

    private (System.Text.Json.JsonEncodedText Name, JsonForm Form)[] BuildJsonColumns()
    {
        var columns = new (System.Text.Json.JsonEncodedText, JsonForm)[Fields.Length];
        for (var i = 0; i < columns.Length; i++)
            columns[i] = (System.Text.Json.JsonEncodedText.Encode(Fields[i].Name), JsonForms.Of(Codecs[i], Fields[i].TypeOid, Fields[i].Format == FormatCode.Text));
        return columns;
    }

    /// <summary>The ordinal of a column by name: exact match first, then case-insensitive; -1 when absent.</summary>
    public int GetOrdinal(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        for (var i = 0; i < Fields.Length; i++)
            if (string.Equals(Fields[i].Name, name, StringComparison.Ordinal)) return i;
        for (var i = 0; i < Fields.Length; i++)
            if (string.Equals(Fields[i].Name, name, StringComparison.OrdinalIgnoreCase)) return i;
        return -1;
    }
}

using PgWire.Protocol;
using PgWire.Types;

namespace PgWire.Connection;

/// <summary>
/// A parsed RowDescription with each column's type resolved once: the decode context a result carries with it.
/// Immutable, so one instance is shared by every result with the same description.
/// </summary>
internal sealed class RowDescriptionInfo
{
    public RowDescriptionInfo(byte[] rawBody, FieldDescription[] fields, PgTypeRegistry registry)
    {
        RawBody = rawBody;
        Fields = fields;
        Types = new PgTypeInfo[fields.Length];
        for (var i = 0; i < fields.Length; i++) Types[i] = registry.Resolve(fields[i].TypeOid);
    }

    /// <summary>The message body this was parsed from, to recognise an identical description cheaply.</summary>
    public byte[] RawBody { get; }

    public FieldDescription[] Fields { get; }

    public PgTypeInfo[] Types { get; }

    public int Count => Fields.Length;
}

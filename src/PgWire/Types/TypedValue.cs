namespace PgWire.Types;

/// <summary>A parameter value with its PostgreSQL type chosen by the caller instead of inferred from the CLR value.</summary>
/// <param name="Value">The value; never null (NULL is sent for null without a type).</param>
/// <param name="Oid">The PostgreSQL type OID the value is sent as.</param>
/// <param name="Codec">The codec that writes it.</param>
internal sealed record TypedValue(object Value, uint Oid, PgCodec Codec);

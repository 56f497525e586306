namespace PgWire.Protocol;

/// <summary>ParameterDescription ('t'): Int16 parameter count, then an Int32 type OID per parameter.</summary>
internal static class ParameterDescription
{
    public static uint[] Parse(ReadOnlySpan<byte> body)
    {
        var reader = new PgSpanReader(body, "ParameterDescription");
        var count = reader.ReadInt16();
        if (count < 0) throw new PgWireProtocolException($"ParameterDescription declares {count} parameters.");
        if (reader.Remaining != count * 4)
            throw new PgWireProtocolException($"ParameterDescription declares {count} parameters but carries {reader.Remaining} bytes of OIDs.");
        var oids = count == 0 ? [] : new uint[count];
        for (var i = 0; i < count; i++) oids[i] = reader.ReadUInt32();
        return oids;
    }
}

namespace PgWire.Protocol;

/// <summary>
/// CopyInResponse ('G') and CopyOutResponse ('H'): Int8 overall format (0 text, 1 binary), Int16 column count, then an
/// Int16 format code per column.
/// </summary>
internal static class CopyResponse
{
    /// <summary>Parses the body; returns whether the COPY is in binary format and its column count.</summary>
    public static (bool Binary, int ColumnCount) Parse(ReadOnlySpan<byte> body, string message)
    {
        var reader = new PgSpanReader(body, message);
        var format = reader.ReadByte();
        if (format > 1) throw new PgWireProtocolException($"{message} declares overall format {format}; only 0 (text) and 1 (binary) exist.");
        var count = reader.ReadInt16();
        if (count < 0) throw new PgWireProtocolException($"{message} declares {count} columns.");
        if (reader.Remaining != count * 2)
            throw new PgWireProtocolException($"{message} declares {count} columns but carries {reader.Remaining} bytes of format codes.");
        for (var i = 0; i < count; i++)
        {
            var columnFormat = reader.ReadInt16();
            if (columnFormat != format)
                throw new PgWireProtocolException($"{message} gives column {i} format {columnFormat} in a COPY of overall format {format}.");
        }
        return (format == 1, count);
    }
}

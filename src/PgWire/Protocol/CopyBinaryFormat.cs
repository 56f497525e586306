using System.Buffers.Binary;

namespace PgWire.Protocol;

/// <summary>
/// The layout of COPY's binary format (the CopyData payload of <c>FORMAT BINARY</c>): an 11-byte signature, Int32
/// flags, Int32 header-extension length and that many bytes; then per row Int16 field count and per field Int32 length
/// (-1 = NULL) and the value in its type's binary form; then the trailer, Int16 -1.
/// </summary>
internal static class CopyBinaryFormat
{
    /// <summary>"PGCOPY\n\377\r\n\0", then flags 0 and no header extension.</summary>
    public static ReadOnlySpan<byte> Header => [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0, 0, 0, 0, 0, 0, 0, 0, 0];

    private static ReadOnlySpan<byte> Signature => Header[..11];

    /// <summary>The trailer that ends the data: a field count of -1.</summary>
    public const short Trailer = -1;

    /// <summary>
    /// Checks the header at the start of exported data; returns its length (signature, flags, extension), or 0 when
    /// <paramref name="data"/> does not hold all of it yet.
    /// </summary>
    public static int ReadHeader(ReadOnlySpan<byte> data)
    {
        if (data.Length < 19) return data.Length < Signature.Length || data[..Signature.Length].SequenceEqual(Signature) ? 0 : throw BadSignature();
        if (!data[..Signature.Length].SequenceEqual(Signature)) throw BadSignature();
        var flags = BinaryPrimitives.ReadInt32BigEndian(data[11..]);
        // Bit 16 says OIDs are included (never for COPY ... TO with PostgreSQL 12 and later); bits 0-15 are critical: unknown ones must fail.
        if ((flags & 0x0001FFFF) != 0)
            throw new PgWireProtocolException($"The binary COPY header has flags 0x{flags:X8}; PgWire reads data without OIDs and with no critical flags set.");
        var extension = BinaryPrimitives.ReadInt32BigEndian(data[15..]);
        if (extension < 0) throw new PgWireProtocolException($"The binary COPY header declares a header extension of {extension} bytes.");
        return data.Length - 19 >= extension ? 19 + extension : 0;
    }

    /// <summary>
    /// Measures the row at the start of <paramref name="data"/>: its byte length, with the offset of each field's length
    /// word written to <paramref name="fieldAt"/> (counted from <paramref name="offset"/>, where <paramref name="data"/>
    /// starts in the caller's buffer); 0 when the row is not all there yet, -1 for the trailer.
    /// </summary>
    /// <param name="data">Bytes from the start of a row.</param>
    /// <param name="fieldAt">One entry per column the COPY has.</param>
    /// <param name="offset">Added to every offset written to <paramref name="fieldAt"/>.</param>
    /// <param name="row">The row's number (from 1), for messages.</param>
    /// <exception cref="PgWireProtocolException">A field count other than the COPY's columns, or a negative length.</exception>
    public static int MeasureRow(ReadOnlySpan<byte> data, Span<int> fieldAt, int offset, long row)
    {
        // Int16 field count (-1: trailer), then per field Int32 length (-1 = NULL) and the bytes.
        if (data.Length < 2) return 0;
        var count = BinaryPrimitives.ReadInt16BigEndian(data);
        if (count == Trailer) return -1;
        if (count != fieldAt.Length)
            throw new PgWireProtocolException($"row {row} of the COPY data has {count} fields but the COPY has {fieldAt.Length} columns");
        var at = 2;
        for (var i = 0; i < count; i++)
        {
            if (data.Length - at < 4) return 0;
            var length = BinaryPrimitives.ReadInt32BigEndian(data[at..]);
            if (length < -1) throw new PgWireProtocolException($"field {i} of row {row} of the COPY data declares length {length}");
            fieldAt[i] = offset + at;
            at += 4;
            if (length > 0)
            {
                if (data.Length - at < length) return 0;
                at += length;
            }
        }
        return at;
    }

    private static PgWireProtocolException BadSignature() =>
        new("The COPY data does not start with the binary format's signature (PGCOPY\\n\\377\\r\\n\\0): is the COPY in FORMAT BINARY?");
}

using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace PgWire.Protocol;

/// <summary>
/// DataRow ('D'): Int16 column count, then per column: Int32 length (-1 = NULL), then that many bytes.
/// Helpers here work on one copied row body and bounds-check every length against it.
/// </summary>
internal static class DataRow
{
    /// <summary>The column count in the first two bytes of a row body.</summary>
    public static int ReadColumnCount(ReadOnlySpan<byte> body)
    {
        if (body.Length < 2) throw new PgWireProtocolException($"DataRow message of {body.Length} bytes has no column count.");
        var count = BinaryPrimitives.ReadInt16BigEndian(body);
        return count >= 0 ? count : throw new PgWireProtocolException($"DataRow declares {count} columns.");
    }

    /// <summary>
    /// Checks a whole row (column count as expected, every length inside the body, no trailing bytes) and fills <paramref name="valueOffsets"/> with the offset of
    /// each column's value in the body, or -1 for NULL, so a column can later be found without a scan.
    /// </summary>
    public static void ValidateAndIndex(ReadOnlySpan<byte> body, Span<int> valueOffsets)
    {
        var count = ReadColumnCount(body);
        if (count != valueOffsets.Length)
            throw new PgWireProtocolException($"DataRow has {count} columns but the RowDescription announced {valueOffsets.Length}.");
        var offset = 2;
        for (var i = 0; i < count; i++)
        {
            if (body.Length - offset < 4)
                throw new PgWireProtocolException($"DataRow is truncated: column {i} has no length at offset {offset} of {body.Length}.");
            var length = BinaryPrimitives.ReadInt32BigEndian(body[offset..]);
            offset += 4;
            if (length < -1)
                throw new PgWireProtocolException($"DataRow column {i} has length {length}; only -1 (NULL) may be negative.");
            if (length > body.Length - offset)
                throw new PgWireProtocolException($"DataRow column {i} claims {length} bytes but only {body.Length - offset} remain in the row.");
            valueOffsets[i] = length < 0 ? -1 : offset;
            if (length > 0) offset += length;
        }
        if (offset != body.Length)
            throw new PgWireProtocolException($"DataRow has {body.Length - offset} bytes after its last column.");
    }

    /// <summary>The bytes a stored row takes: the body, then an Int32 value offset per column.</summary>
    public static int StoredLength(int bodyLength, int columns) => bodyLength + columns * sizeof(int);

    /// <summary>
    /// Copies a row body into <paramref name="destination"/> (<see cref="StoredLength"/> bytes) laid out as: the body,
    /// then per column an Int32 in native byte order with the offset of its value in the body (-1 = NULL). Validates
    /// the row on the way, so a later read needs neither a scan nor a bounds check against the server's lengths.
    /// </summary>
    public static void Store(ReadOnlySpan<byte> body, int columns, Span<byte> destination)
    {
        body.CopyTo(destination);
        ValidateAndIndex(destination[..body.Length], MemoryMarshal.Cast<byte, int>(destination[body.Length..]));
    }

    /// <summary>Finds column <paramref name="ordinal"/> in a row laid out by <see cref="Store"/>. False for NULL.</summary>
    public static bool TryGetStoredColumn(ReadOnlySpan<byte> stored, int columns, int ordinal, out ReadOnlySpan<byte> value)
    {
        var bodyLength = stored.Length - columns * sizeof(int);
        var valueOffset = MemoryMarshal.Read<int>(stored[(bodyLength + ordinal * sizeof(int))..]);
        return TryGetColumnAt(stored[..bodyLength], valueOffset, out value);
    }

    /// <summary>The value at an offset found by <see cref="ValidateAndIndex"/> (its Int32 length sits just before it); false for -1 (NULL).</summary>
    public static bool TryGetColumnAt(ReadOnlySpan<byte> body, int valueOffset, out ReadOnlySpan<byte> value)
    {
        if (valueOffset < 0)
        {
            value = default;
            return false;
        }
        var length = BinaryPrimitives.ReadInt32BigEndian(body[(valueOffset - 4)..]);
        value = body.Slice(valueOffset, length);
        return true;
    }

    /// <summary>Checks a whole row: column count as expected, every length inside the body, no trailing bytes.</summary>
    public static void Validate(ReadOnlySpan<byte> body, int expectedColumns)
    {
        if (expectedColumns is < 0 or > short.MaxValue) throw new ArgumentOutOfRangeException(nameof(expectedColumns));
        var offsets = expectedColumns <= 128 ? stackalloc int[expectedColumns] : new int[expectedColumns];
        ValidateAndIndex(body, offsets);
    }
}

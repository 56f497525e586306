using PgWire.Buffers;
using PgWire.Protocol;

namespace PgWire.Connection;

/// <summary>
/// The DataRow bodies of a buffered response, copied unparsed into a pooled <see cref="RowBuffer"/> (rented at the
/// first row) until the caller takes them; a field of the handler that collects them.
/// </summary>
internal struct CollectedRows
{
    private RowBuffer? _rows;

    /// <summary>Rows collected so far.</summary>
    public readonly int Count => _rows?.RowCount ?? 0;

    /// <summary>Validates and stores one DataRow body of <paramref name="columns"/> columns.</summary>
    public void Add(ReadOnlySpan<byte> body, int columns)
    {
        _rows ??= RowBufferPool.Rent();
        DataRow.Store(body, columns, _rows.AppendRow(DataRow.StoredLength(body.Length, columns)));
    }

    /// <summary>Hands the rows to the caller (who returns them to the pool); forgets them.</summary>
    public RowBuffer? Take()
    {
        var rows = _rows;
        _rows = null;
        return rows;
    }
}

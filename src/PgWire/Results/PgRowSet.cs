using System.Collections;
using PgWire.Buffers;
using PgWire.Connection;
using PgWire.Types;

namespace PgWire;

/// <summary>
/// The complete result of a query, held in pooled memory after the connection went back to the pool. Rows are
/// stored as the server sent them; a column is decoded only when it is read.
/// </summary>
/// <remarks>
/// Dispose the set when done: that returns its memory to the pool. After disposal every access to the set, and to any
/// <see cref="PgRow"/> taken from it, throws <see cref="ObjectDisposedException"/>. A set may be read from several
/// threads at once, but must not be disposed while another thread reads it.
/// </remarks>
public sealed class PgRowSet : IReadOnlyList<PgRow>, IDisposable
{
    private static readonly RowDescriptionInfo s_noColumns = new([], [], new PgTypeRegistry());

    private readonly RowDescriptionInfo _description;
    private RowBuffer? _rows;
    private int _stamp;
    private readonly int _first;
    private readonly int _count;
    private readonly bool _ownsRows;
    private PgColumn[]? _columns;
    private volatile bool _disposed;

    internal PgRowSet(RowDescriptionInfo? description, RowBuffer? rows, long rowsAffected)
        : this(description, rows, 0, rows?.RowCount ?? 0, rowsAffected, ownsRows: true)
    {
    }

    /// <summary>
    /// A set over rows first to first + count - 1 of a buffer, which it may share (a pipeline's results). With
    /// ownsRows false, disposing the set does not return the buffer: its owner does, which invalidates this set's rows
    /// too (the buffer's version changes).
    /// </summary>
    internal PgRowSet(RowDescriptionInfo? description, RowBuffer? rows, int first, int count, long rowsAffected, bool ownsRows)
    {
        _description = description ?? s_noColumns;
        _rows = rows;
        _stamp = rows?.Version ?? 0;
        _first = first;
        _count = count;
        _ownsRows = ownsRows;
        RowsAffected = rowsAffected;
    }

    /// <summary>The number of rows.</summary>
    public int Count
    {
        get
        {
            ThrowIfDisposed();
            return _count;
        }
    }

    /// <summary>The number of rows the server reported for the statement (its CommandComplete tag), or 0.</summary>
    public long RowsAffected { get; }

    /// <summary>The columns of the result (empty for a statement that returns no rows).</summary>
    public IReadOnlyList<PgColumn> Columns
    {
        get
        {
            ThrowIfDisposed();
            return _columns ??= PgColumn.From(_description);
        }
    }

    /// <summary>The row at <paramref name="index"/>.</summary>
    /// <remarks>The row is a view into this set: valid until the set is disposed.</remarks>
    public PgRow this[int index]
    {
        get
        {
            ThrowIfDisposed();
            if ((uint)index >= (uint)_count) throw new ArgumentOutOfRangeException(nameof(index), index, $"The result has {_count} rows.");
            return CreateRow(index);
        }
    }

    /// <summary>The ordinal of the column called <paramref name="name"/> (exact match first, then ignoring case).</summary>
    /// <exception cref="IndexOutOfRangeException">No column has that name.</exception>
    public int GetOrdinal(string name)
    {
        ThrowIfDisposed();
        var ordinal = _description.GetOrdinal(name);
        return ordinal >= 0 ? ordinal : throw new IndexOutOfRangeException($"The result has no column named '{name}'.");
    }

    /// <summary>
    /// Writes the rows as a JSON array: each row an object keyed by column name (or, with
    /// <see cref="PgJsonRowFormat.Arrays"/>, an array of its values), each value written from its bytes in its type's
    /// JSON form, without a string or a boxed value per cell for the common types (numbers, bool, text, json/jsonb, uuid,
    /// bytea, date and time types, arrays of those). The README lists every type's form.
    /// </summary>
    /// <param name="writer">Where the JSON goes; the caller flushes it.</param>
    /// <param name="format">Objects (the default) or arrays per row.</param>
    /// <exception cref="InvalidCastException">A value's bytes are not a value of its type (named with its column).</exception>
    public void WriteJson(System.Text.Json.Utf8JsonWriter writer, PgJsonRowFormat format = PgJsonRowFormat.Objects)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ThrowIfDisposed();
        writer.WriteStartArray();
        for (var i = 0; i < _count; i++) CreateRow(i).WriteJson(writer, format);
        writer.WriteEndArray();
    }

    /// <summary>Returns an enumerator over the rows (a struct: a foreach allocates nothing).</summary>
    public Enumerator GetEnumerator()
    {
        ThrowIfDisposed();
        return new Enumerator(this);
    }

    IEnumerator<PgRow> IEnumerable<PgRow>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Returns the rows' memory to the pool. Later access throws <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        // Row views carry the stamp they were made with: bumping it invalidates every one of them.
        Interlocked.Increment(ref _stamp);
        var rows = Interlocked.Exchange(ref _rows, null);
        if (rows is not null && _ownsRows) RowBufferPool.Return(rows);
    }

    internal RowDescriptionInfo Description => _description;

    /// <summary>Changes when the set is disposed; a row view made with an older stamp is stale.</summary>
    internal int Stamp => Volatile.Read(ref _stamp);

    private PgRow CreateRow(int index)
    {
        var rows = _rows;
        if (rows is null) throw Disposed();
        var stamp = _stamp;
        rows.Locate(_first + index, stamp, out var chunk, out var offset, out var length);
        return new PgRow(this, chunk, offset, length, stamp);
    }

    internal void ThrowIfDisposed()
    {
        if (_disposed) throw Disposed();
    }

    internal static ObjectDisposedException Disposed() =>
        new(nameof(PgRowSet), "The row set was disposed: its rows can no longer be read. Read values before disposing the set.");

    /// <summary>Enumerates the rows of a <see cref="PgRowSet"/>.</summary>
    public struct Enumerator : IEnumerator<PgRow>
    {
        private readonly PgRowSet _set;
        private int _index;

        internal Enumerator(PgRowSet set)
        {
            _set = set;
            _index = -1;
        }

        /// <inheritdoc />
        public readonly PgRow Current => _set.CreateRow(_index);

        readonly object IEnumerator.Current => Current;

        /// <inheritdoc />
        public bool MoveNext()
        {
            _set.ThrowIfDisposed();
            return ++_index < _set._count;
        }

        /// <inheritdoc />
        public void Reset() => _index = -1;

        /// <inheritdoc />
        public readonly void Dispose() { }
    }
}

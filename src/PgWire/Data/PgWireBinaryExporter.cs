using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using PgWire.Connection;
using PgWire.Protocol;
using PgWire.Results;

namespace PgWire;

/// <summary>
/// Reads the rows of <c>COPY ... TO STDOUT (FORMAT BINARY)</c>. Call <see cref="StartRow"/> for each row (it returns
/// -1 after the last), then read the columns in order with <see cref="Read{T}"/> (or <see cref="Skip"/> them).
/// Disposing before the end cancels the COPY on the server; the connection stays usable.
/// </summary>
/// <remarks>
/// The columns' PostgreSQL types are learnt before the COPY starts, and values are decoded by the same codecs as query
/// results, with the same checks (a NULL read into a non-nullable type, a type that cannot hold the value: a clear
/// <see cref="InvalidCastException"/> naming the column). Data is read from the server as rows are asked for, so a
/// slow consumer holds the server back instead of filling memory. The connection is busy until the exporter ends.
/// </remarks>
public sealed class PgWireBinaryExporter : IDisposable, IAsyncDisposable, PgWireConnection.ICopyOperation
{
    private readonly PgWireConnection _connection;
    private readonly CopyOut _copy;
    private readonly RowDescriptionInfo _description;
    private readonly int[] _fieldAt;
    // Rows are parsed from the server's CopyData payload in place; only a row split across payloads is assembled
    // in a pooled buffer of the exporter's own.
    private ReadOnlyMemory<byte> _data;
    private int _at;
    private byte[]? _assembly;
    private bool _headerRead;
    private int _column = -1;
    private long _row;
    private bool _ended;
    private bool _disposed;

    private PgWireBinaryExporter(PgWireConnection connection, CopyOut copy, RowDescriptionInfo description)
    {
        _connection = connection;
        _copy = copy;
        _description = description;
        _fieldAt = new int[description.Fields.Length];
    }

    internal static async Task<PgWireBinaryExporter> StartAsync(PgWireConnection connection, string copyToCommand, CancellationToken cancellationToken)
    {
        var text = CopyCommandText.ParseFor(copyToCommand, fromClient: false, "BeginBinaryExport", "BeginBinaryImport");
        connection.ThrowIfBusy();
        var connector = connection.Connector;
        var columns = await CopyColumns.DescribeAsync(connector, text, copyToCommand, cancellationToken).ConfigureAwait(false);
        var (binary, count) = await CopyStart.StartAsync(connector, copyToCommand, fromClient: false, cancellationToken).ConfigureAwait(false);
        var copy = new CopyOut(connector);
        if (!binary || count != columns.Names.Length)
        {
            await copy.AbandonAsync().ConfigureAwait(false);
            throw new ArgumentException(!binary
                ? "BeginBinaryExport needs FORMAT BINARY (COPY ... TO STDOUT (FORMAT BINARY)); for text or CSV use BeginTextExport."
                : $"The COPY sends {count} columns but its query has {columns.Names.Length}.",
                nameof(copyToCommand));
        }
        var exporter = new PgWireBinaryExporter(connection, copy, columns.Description);
        connection.ActiveCopy = exporter;
        return exporter;
    }

    /// <summary>The number of columns each row has.</summary>
    public int ColumnCount => _fieldAt.Length;

    /// <summary>Whether every row was read (<see cref="StartRow"/> returned -1).</summary>
    public bool IsCompleted => _ended && _copy.Finished;

    /// <summary>Moves to the next row; returns its column count, or -1 when there are no more rows.</summary>
    public int StartRow() => StartRowAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();

    /// <summary>Moves to the next row; returns its column count, or -1 when there are no more rows.</summary>
    /// <param name="cancellationToken">Cancels the COPY on the server; <see cref="OperationCanceledException"/> is thrown.</param>
    /// <exception cref="PostgresException">The server failed the COPY.</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<int> StartRowAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_ended) return -1;
        while (true)
        {
            var span = _data.Span[_at..];
            if (!_headerRead)
            {
                var header = CopyBinaryFormat.ReadHeader(span);
                if (header > 0)
                {
                    _at += header;
                    _headerRead = true;
                    continue;
                }
            }
            else
            {
                var length = MeasureRow(span);
                if (length == -1)
                {
                    // The trailer: the server must end the COPY now.
                    _at += 2;
                    await EndAsync(cancellationToken).ConfigureAwait(false);
                    return -1;
                }
                if (length > 0)
                {
                    _column = 0;
                    _row++;
                    _at += length;
                    return _fieldAt.Length;
                }
            }
            await MoreAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Whether the next column is NULL.</summary>
    public bool IsNull => FieldLength(CurrentColumn()) < 0;

    /// <summary>Reads the next column as <typeparamref name="T"/>; NULL reads as null where T can hold it.</summary>
    /// <exception cref="InvalidCastException">The column's type cannot be read as T, or it is NULL and T cannot hold null.</exception>
    public T Read<T>()
    {
        var column = CurrentColumn();
        var start = _fieldAt[column];
        var length = FieldLength(column);
        _column++;
        return length < 0
            ? ValueDecoder.Null<T>(_description, column)
            : ValueDecoder.Read<T>(_description, column, _data.Span.Slice(start + 4, length));
    }

    /// <summary>Skips the next column.</summary>
    public void Skip()
    {
        CurrentColumn();
        _column++;
    }

    /// <summary>Cancels the COPY on the server if rows remain unread; the connection stays usable.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Cancels the COPY on the server if rows remain unread; the connection stays usable.</summary>
    public async ValueTask DisposeAsync() => await AbortAsync().ConfigureAwait(false);

    async ValueTask PgWireConnection.ICopyOperation.AbortAsync() => await AbortAsync().ConfigureAwait(false);

    private async ValueTask AbortAsync()
    {
        if (_disposed) return;
        _disposed = true;
        Release();
        ReturnAssembly();
        await _copy.AbandonAsync().ConfigureAwait(false);
    }

    private int CurrentColumn()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_column < 0 || _ended) throw new InvalidOperationException("No current row: call StartRow and read columns only while it returned the column count.");
        if (_column >= _fieldAt.Length) throw new InvalidOperationException($"Every one of the row's {_fieldAt.Length} columns was read: call StartRow for the next row.");
        return _column;
    }

    private int FieldLength(int column) => BinaryPrimitives.ReadInt32BigEndian(_data.Span[_fieldAt[column]..]);

    /// <summary>
    /// The byte length of the row at the start of <paramref name="span"/> (which starts at <c>_at</c> in the data),
    /// recording where each field's length starts in the data; 0 when the row is not all there yet, -1 for the trailer.
    /// </summary>
    private int MeasureRow(ReadOnlySpan<byte> span)
    {
        // Int16 field count (-1: trailer), then per field Int32 length (-1 = NULL) and the bytes.
        if (span.Length < 2) return 0;
        var count = BinaryPrimitives.ReadInt16BigEndian(span);
        if (count == -1) return -1;
        if (count != _fieldAt.Length)
            throw Hostile($"row {_row + 1} of the COPY data has {count} fields but the COPY has {_fieldAt.Length} columns");
        var at = 2;
        for (var i = 0; i < count; i++)
        {
            if (span.Length - at < 4) return 0;
            var length = BinaryPrimitives.ReadInt32BigEndian(span[at..]);
            if (length < -1) throw Hostile($"field {i} of row {_row + 1} of the COPY data declares length {length}");
            _fieldAt[i] = _at + at;
            at += 4;
            if (length > 0)
            {
                if (span.Length - at < length) return 0;
                at += length;
            }
        }
        return at;
    }

    /// <summary>
    /// Gets more data: the next payload as is, or, when part of a row is left, that part and the payload together in
    /// the exporter's own buffer.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask MoreAsync(CancellationToken cancellationToken)
    {
        var left = _data.Length - _at;
        // The partial row moves to the front of the assembly buffer (it may already be in it: CopyTo allows overlap).
        if (left > 0) _data.Span[_at..].CopyTo(Assembly(left, keep: 0));
        var payload = await _copy.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (payload.IsEmpty)
            throw Hostile(_headerRead ? $"the COPY data ended inside row {_row + 1}" : "the COPY data ended inside the binary header");
        _at = 0;
        if (left == 0)
        {
            _data = payload;
            return;
        }
        var assembly = Assembly(left + payload.Length, keep: left);
        payload.Span.CopyTo(assembly.AsSpan(left));
        _data = assembly.AsMemory(0, left + payload.Length);
    }

    /// <summary>The assembly buffer with room for <paramref name="size"/> bytes, its first <paramref name="keep"/> bytes kept when it grows.</summary>
    private byte[] Assembly(int size, int keep)
    {
        if (_assembly is { } current && current.Length >= size) return current;
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(size, 4096));
        if (_assembly is not null)
        {
            _assembly.AsSpan(0, keep).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_assembly);
        }
        else if (keep > 0)
        {
            throw new System.Diagnostics.UnreachableException("BUG: bytes to keep without an assembly buffer.");
        }
        _assembly = bigger;
        return bigger;
    }

    private async ValueTask EndAsync(CancellationToken cancellationToken)
    {
        _ended = true;
        _column = -1;
        if (_data.Length > _at) throw Hostile("the COPY data goes on after its trailer");
        var extra = await _copy.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (!extra.IsEmpty) throw Hostile("the COPY data goes on after its trailer");
        if (_copy.Rows != _row) throw Hostile($"its CommandComplete reports {_copy.Rows} rows but {_row} rows arrived");
        Release();
        ReturnAssembly();
    }

    private PgWireProtocolException Hostile(string what)
    {
        var error = new PgWireProtocolException($"Malformed binary COPY data from the server: {what}; the connection is closed.");
        _copy.Connector.Break(error);
        _ended = true;
        Release();
        return error;
    }

    private void ReturnAssembly()
    {
        if (_assembly is null) return;
        ArrayPool<byte>.Shared.Return(_assembly);
        _assembly = null;
        _data = default;
        _at = 0;
    }

    private void Release()
    {
        if (ReferenceEquals(_connection.ActiveCopy, this)) _connection.ActiveCopy = null;
    }
}

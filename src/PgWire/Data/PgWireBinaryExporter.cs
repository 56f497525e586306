using System.Runtime.CompilerServices;
using PgWire.Connection;
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
public sealed class PgWireBinaryExporter : IDisposable, IAsyncDisposable, ICopyOperation
{
    private readonly PgWireConnection _connection;
    private readonly CopyBinaryRows _rows;
    private readonly RowDescriptionInfo _description;
    private int _column = -1;
    private bool _disposed;

    private PgWireBinaryExporter(PgWireConnection connection, CopyBinaryRows rows, RowDescriptionInfo description)
    {
        _connection = connection;
        _rows = rows;
        _description = description;
    }

    internal static async Task<PgWireBinaryExporter> StartAsync(
        PgWireConnection connection, string copyToCommand, CancellationToken cancellationToken, IProgress<PgProgress>? progress = null)
    {
        var text = CopyCommandText.ParseFor(copyToCommand, fromClient: false, "BeginBinaryExport", "BeginBinaryImport");
        connection.ThrowIfBusy();
        var connector = connection.Connector;
        var measure = CopyMeasure.Start(connector, copyToCommand);
        try
        {
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
            var exporter = new PgWireBinaryExporter(connection, new CopyBinaryRows(copy, columns.Names.Length), columns.Description) { _measure = measure, _progress = Diagnostics.ProgressReporter.For(progress), _bytesAtStart = connector.BytesReceived };
            connection.ActiveCopy = exporter;
            return exporter;
        }
        catch (Exception e)
        {
            measure?.End(-1, e);
            throw;
        }
    }

    private CopyMeasure? _measure;
    private Diagnostics.ProgressReporter? _progress;
    private long _bytesAtStart;
    private long _rowsRead;

    /// <summary>The number of columns each row has.</summary>
    public int ColumnCount => _rows.ColumnCount;

    /// <summary>Whether every row was read (<see cref="StartRow"/> returned -1).</summary>
    public bool IsCompleted => _rows.Ended && _rows.Finished;

    /// <summary>Moves to the next row; returns its column count, or -1 when there are no more rows.</summary>
    public int StartRow() => StartRowAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();

    /// <summary>Moves to the next row; returns its column count, or -1 when there are no more rows.</summary>
    /// <param name="cancellationToken">Cancels the COPY on the server; <see cref="OperationCanceledException"/> is thrown.</param>
    /// <exception cref="PgWireServerException">The server failed the COPY.</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<int> StartRowAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_rows.Ended) return -1;
        bool more;
        try
        {
            more = await _rows.NextAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PgWireProtocolException e)
        {
            // Malformed data: the connection was closed with it, and no longer belongs to this COPY.
            _column = -1;
            Release();
            _measure?.End(-1, e);
            throw;
        }
        catch (Exception e) when (_measure is not null && e is PgWireException)
        {
            _measure.End(-1, e);
            throw;
        }
        if (more)
        {
            _column = 0;
            _rowsRead++;
            _progress?.Tick(_rowsRead, _rows.Connector.BytesReceived - _bytesAtStart);
            return _rows.ColumnCount;
        }
        _column = -1;
        Release();
        _measure?.End(_rowsRead, null);
        _progress?.Complete(_rowsRead, _rows.Connector.BytesReceived - _bytesAtStart);
        return -1;
    }

    /// <summary>Whether the next column is NULL.</summary>
    public bool IsNull => !_rows.TryGetField(CurrentColumn(), out _);

    /// <summary>Reads the next column as <typeparamref name="T"/>; NULL reads as null where T can hold it.</summary>
    /// <exception cref="InvalidCastException">The column's type cannot be read as T, or it is NULL and T cannot hold null.</exception>
    public T Read<T>()
    {
        var column = CurrentColumn();
        _column++;
        return _rows.TryGetField(column, out var value)
            ? ValueDecoder.Read<T>(_description, column, value)
            : ValueDecoder.Null<T>(_description, column);
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

    async ValueTask ICopyOperation.AbortAsync() => await AbortAsync().ConfigureAwait(false);

    private async ValueTask AbortAsync()
    {
        if (_disposed) return;
        _disposed = true;
        Release();
        if (!_rows.Ended) _measure?.Abandoned();
        await _rows.AbandonAsync().ConfigureAwait(false);
    }

    private int CurrentColumn()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_column < 0 || _rows.Ended) throw new InvalidOperationException("No current row: call StartRow and read columns only while it returned the column count.");
        if (_column >= _rows.ColumnCount) throw new InvalidOperationException($"Every one of the row's {_rows.ColumnCount} columns was read: call StartRow for the next row.");
        return _column;
    }

    private void Release()
    {
        if (ReferenceEquals(_connection.ActiveCopy, this)) _connection.ActiveCopy = null;
    }
}

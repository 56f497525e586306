using PgWire.Connection;
using PgWire.Types;

namespace PgWire;

/// <summary>
/// Writes rows into a table with <c>COPY ... FROM STDIN (FORMAT BINARY)</c>, PostgreSQL's fastest way in. Start each
/// row with <see cref="StartRow"/>, write every column in order with <see cref="Write{T}(T)"/> or
/// <see cref="WriteNull"/>, then call <see cref="Complete"/>: the server commits the rows and the count is returned.
/// Disposing the importer without <see cref="Complete"/> cancels the COPY, and the table keeps none of its rows.
/// </summary>
/// <remarks>
/// The columns' PostgreSQL types are learnt before the COPY starts, so a value of a CLR type the column cannot take
/// throws <see cref="InvalidCastException"/> naming the column before any of its bytes are sent (the importer stays
/// usable: write a proper value). Rows are sent in chunks of about 64 KB as they are written; the connection is
/// busy until the importer is completed or disposed. Errors the server finds in the data (a constraint, a bad value)
/// are reported by <see cref="Complete"/> as a <see cref="PgWireServerException"/> whose <see cref="PgWireServerException.Where"/>
/// names the line (row) of the COPY.
/// </remarks>
public sealed class PgWireBinaryImporter : IDisposable, IAsyncDisposable, ICopyOperation
{
    private readonly PgWireConnection _connection;
    private readonly CopyIn _copy;
    private readonly string[] _names;
    private readonly PgTypeInfo[] _types;
    private int _column = -1;
    private long _rowsStarted;
    private bool _ended;

    private PgWireBinaryImporter(PgWireConnection connection, CopyIn copy, string[] names, PgTypeInfo[] types)
    {
        _connection = connection;
        _copy = copy;
        _names = names;
        _types = types;
    }

    internal static async Task<PgWireBinaryImporter> StartAsync(
        PgWireConnection connection, string copyFromCommand, CancellationToken cancellationToken, IProgress<PgProgress>? progress = null)
    {
        var text = CopyCommandText.ParseFor(copyFromCommand, fromClient: true, "BeginBinaryImport", "BeginBinaryExport");
        connection.ThrowIfBusy();
        var connector = connection.Connector;
        var measure = CopyMeasure.Start(connector, copyFromCommand);
        try
        {
            var columns = await CopyColumns.DescribeAsync(connector, text, copyFromCommand, cancellationToken).ConfigureAwait(false);
            var (binary, count) = await CopyStart.StartAsync(connector, copyFromCommand, fromClient: true, cancellationToken).ConfigureAwait(false);
            var copy = new CopyIn(connector);
            if (!binary || count != columns.Names.Length)
            {
                await copy.CancelAsync("the client stopped the COPY before sending data").ConfigureAwait(false);
                throw new ArgumentException(!binary
                    ? "BeginBinaryImport needs FORMAT BINARY (COPY ... FROM STDIN (FORMAT BINARY)); for text or CSV use BeginTextImport."
                    : $"The COPY takes {count} columns but its table lists {columns.Names.Length} (generated columns are not copied): name the columns to import in the COPY statement.",
                    nameof(copyFromCommand));
            }
            copy.WriteBinaryHeader();
            var importer = new PgWireBinaryImporter(connection, copy, columns.Names, columns.Types) { _measure = measure, _progress = Diagnostics.ProgressReporter.For(progress) };
            connection.ActiveCopy = importer;
            return importer;
        }
        catch (Exception e)
        {
            measure?.End(-1, e);
            throw;
        }
    }

    private CopyMeasure? _measure;
    private Diagnostics.ProgressReporter? _progress;

    /// <summary>The number of columns each row has.</summary>
    public int ColumnCount => _names.Length;

    /// <summary>Starts the next row; sends the rows written so far when enough have gathered.</summary>
    /// <exception cref="InvalidOperationException">The previous row is missing columns, or the importer has ended.</exception>
    public void StartRow() => StartRowAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();

    /// <summary>Starts the next row; sends the rows written so far when enough have gathered.</summary>
    /// <param name="cancellationToken">Cancels the COPY: nothing of it is kept, and <see cref="OperationCanceledException"/> is thrown.</param>
    /// <exception cref="InvalidOperationException">The previous row is missing columns, or the importer has ended.</exception>
    public ValueTask StartRowAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfEnded();
        ThrowIfRowIncomplete();
        if (_copy.ShouldFlush || cancellationToken.IsCancellationRequested) return FlushThenStartAsync(cancellationToken);
        StartRowCore();
        return ValueTask.CompletedTask;
    }

    private async ValueTask FlushThenStartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _copy.FlushAsync(cancellationToken).ConfigureAwait(false);
            _progress?.Now(_rowsStarted, _copy.Sent);
        }
        catch (OperationCanceledException)
        {
            await AbortAsync().ConfigureAwait(false);
            throw;
        }
        StartRowCore();
    }

    private void StartRowCore()
    {
        _copy.StartBinaryRow((short)_names.Length);
        _column = 0;
        _rowsStarted++;
    }

    /// <summary>Writes the next column's value; null writes SQL NULL.</summary>
    /// <typeparam name="T">The value's CLR type: one the column's PostgreSQL type takes (as for parameters), or a number
    /// that fits the column's numeric type.</typeparam>
    /// <exception cref="InvalidCastException">The column's type cannot take the value; nothing of it was written.</exception>
    public void Write<T>(T value)
    {
        var column = NextColumn();
        if (value is null or DBNull)
        {
            _copy.WriteNullField();
            _column++;
            return;
        }
        var codec = _types[column].BinaryCodec ?? throw new InvalidCastException(
            $"Column '{_names[column]}' (ordinal {column}) has PostgreSQL type '{_types[column].Name}', which PgWire has no binary form for: import it with BeginTextImport (text or CSV) instead.");
        try
        {
            if (codec is IPgWriter<T> typed) _copy.WriteBinaryField(typed, value);
            else _copy.WriteBinaryField(codec, ValueConversion.ForCodec(codec, value));
        }
        catch (Exception e) when (e is InvalidCastException or ArgumentException or OverflowException or FormatException or NotSupportedException)
        {
            throw new InvalidCastException(
                $"Column '{_names[column]}' (ordinal {column}, PostgreSQL type '{_types[column].Name}') cannot take the {typeof(T)} value of row {_rowsStarted}: {e.Message}", e);
        }
        _column++;
    }

    /// <summary>Writes SQL NULL into the next column.</summary>
    public void WriteNull()
    {
        NextColumn();
        _copy.WriteNullField();
        _column++;
    }

    /// <summary>Writes a whole row: starts it and writes each value in column order (null or <see cref="DBNull"/> for NULL).</summary>
    /// <param name="values">One value per column.</param>
    public void WriteRow(params object?[] values) => WriteRowAsync(CancellationToken.None, values).AsTask().GetAwaiter().GetResult();

    /// <summary>Writes a whole row: starts it and writes each value in column order (null or <see cref="DBNull"/> for NULL).</summary>
    /// <param name="cancellationToken">Cancels the COPY (see <see cref="StartRowAsync"/>).</param>
    /// <param name="values">One value per column.</param>
    public async ValueTask WriteRowAsync(CancellationToken cancellationToken, params object?[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length != _names.Length)
            throw new ArgumentException($"The row has {values.Length} values but the COPY takes {_names.Length} columns.", nameof(values));
        await StartRowAsync(cancellationToken).ConfigureAwait(false);
        foreach (var value in values) Write(value);
    }

    /// <summary>Ends the COPY: sends the rest, waits for the server to commit, and returns the number of rows imported.</summary>
    /// <exception cref="PgWireServerException">The server rejected the data (nothing of the COPY is kept); the connection stays usable.</exception>
    public ulong Complete() => CompleteAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();

    /// <summary>Ends the COPY: sends the rest, waits for the server to commit, and returns the number of rows imported.</summary>
    /// <param name="cancellationToken">Cancels the wait for the server (the COPY is then rolled back).</param>
    /// <exception cref="PgWireServerException">The server rejected the data (nothing of the COPY is kept); the connection stays usable.</exception>
    public async ValueTask<ulong> CompleteAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfEnded();
        ThrowIfRowIncomplete();
        _ended = true;
        Release();
        if (cancellationToken.IsCancellationRequested)
        {
            _measure?.Abandoned();
            await _copy.CancelAsync("the client cancelled the COPY").ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
        long imported;
        try
        {
            _copy.WriteBinaryTrailer();
            imported = await _copy.CompleteAsync(cancellationToken).ConfigureAwait(false);
            // A WHERE clause may keep fewer rows than were sent, never more.
            if (imported < 0 || imported > _rowsStarted)
                throw _copy.Connector.Break(new PgWireProtocolException(
                    $"The server's CommandComplete reports {imported} rows imported, but {_rowsStarted} were sent; the connection is closed."));
        }
        catch (Exception e)
        {
            _measure?.End(-1, e);
            throw;
        }
        _measure?.End(imported, null);
        _progress?.Complete(imported, _copy.Sent);
        return (ulong)imported;
    }

    /// <summary>Cancels the COPY unless it was completed: the server keeps none of its rows.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Cancels the COPY unless it was completed: the server keeps none of its rows.</summary>
    public async ValueTask DisposeAsync() => await AbortAsync().ConfigureAwait(false);

    async ValueTask ICopyOperation.AbortAsync() => await AbortAsync().ConfigureAwait(false);

    private async ValueTask AbortAsync()
    {
        if (_ended) return;
        _ended = true;
        Release();
        _measure?.Abandoned();
        await _copy.CancelAsync("the client cancelled the COPY").ConfigureAwait(false);
    }

    private void Release()
    {
        if (ReferenceEquals(_connection.ActiveCopy, this)) _connection.ActiveCopy = null;
    }

    private int NextColumn()
    {
        ThrowIfEnded();
        if (_column < 0) throw new InvalidOperationException("Call StartRow before writing the row's values.");
        if (_column >= _names.Length)
            throw new InvalidOperationException($"Row {_rowsStarted} already has all {_names.Length} columns: call StartRow for the next row.");
        return _column;
    }

    private void ThrowIfRowIncomplete()
    {
        if (_column >= 0 && _column < _names.Length)
            throw new InvalidOperationException(
                $"Row {_rowsStarted} has values for {_column} of its {_names.Length} columns (the next is '{_names[_column]}'): write every column, NULL included, before going on.");
    }

    private void ThrowIfEnded() => ObjectDisposedException.ThrowIf(_ended, this);
}

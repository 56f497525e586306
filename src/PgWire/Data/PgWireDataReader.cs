using System.Collections;
using System.Collections.ObjectModel;
using System.Data;
using System.Data.Common;
using System.Globalization;
using PgWire.Connection;

namespace PgWire;

/// <summary>
/// Reads the results of a <see cref="PgWireCommand"/>, one result set per statement that returns rows. Rows are
/// streamed from the connection (memory stays bounded); a column is decoded when it is read.
/// </summary>
public sealed class PgWireDataReader : DbDataReader
{
    private readonly PgWireCommand _command;
    private readonly PgWireConnection _connection;
    private readonly List<(string Sql, object?[] Values)> _statements;
    private readonly CommandBehavior _behavior;
    private readonly List<PgWireBatchCommand>? _batchCommands;
    private readonly int[]? _owners;
    private int _accumulated = -1;
    private bool _sequential;
    private int _sequentialIndex;
    private bool _ownTransaction;
    private PgRowReader? _current;
    private bool _pendingRow;
    private bool _onRow;
    private int _rowsRead;
    private bool _closed;
    private long _recordsAffected = -1;
    private bool _returnedResult;

    internal PgWireDataReader(
        PgWireCommand command, PgWireConnection connection, List<(string, object?[])> statements, CommandBehavior behavior,
        List<PgWireBatchCommand>? batchCommands, int[]? owners)
    {
        _command = command;
        _connection = connection;
        _statements = statements;
        _behavior = behavior;
        _batchCommands = batchCommands;
        _owners = owners;
    }

    /// <inheritdoc />
    public override int Depth => 0;

    /// <summary>The number of columns of the current result set (0 when it has none: an INSERT, UPDATE or DELETE without RETURNING).</summary>
    /// <exception cref="InvalidOperationException">The reader is closed.</exception>
    public override int FieldCount
    {
        get
        {
            ThrowIfClosed();
            return _current?.FieldCount ?? 0;
        }
    }

    /// <summary>Whether the current result set has at least one row.</summary>
    public override bool HasRows
    {
        get
        {
            ThrowIfClosed();
            return _pendingRow || _rowsRead > 0;
        }
    }

    /// <inheritdoc />
    public override bool IsClosed => _closed;

    /// <summary>Rows changed by the INSERT, UPDATE, DELETE and MERGE statements run so far; -1 when none ran.</summary>
    public override int RecordsAffected => _recordsAffected < 0 ? -1 : (int)Math.Min(_recordsAffected, int.MaxValue);

    /// <inheritdoc />
    public override object this[int ordinal] => GetValue(ordinal);

    /// <inheritdoc />
    public override object this[string name] => GetValue(GetOrdinal(name));

    /// <inheritdoc />
    public override bool Read()
    {
        var read = ReadCore(CancellationToken.None);
        return read.IsCompletedSuccessfully ? read.Result : read.AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Moves to the next row of the current result set.</summary>
    public override Task<bool> ReadAsync(CancellationToken cancellationToken)
    {
        var read = ReadCore(cancellationToken);
        if (!read.IsCompletedSuccessfully) return read.AsTask();
        return read.Result ? s_true : s_false;
    }

    private static readonly Task<bool> s_true = Task.FromResult(true);
    private static readonly Task<bool> s_false = Task.FromResult(false);

    /// <summary>Rows already received are handed out without an await or an allocation.</summary>
    private ValueTask<bool> ReadCore(CancellationToken cancellationToken)
    {
        ThrowIfClosed();
        _onRow = false;
        if (_pendingRow)
        {
            _pendingRow = false;
            _rowsRead++;
            _onRow = true;
            return new ValueTask<bool>(true);
        }
        if (_current is null || _current.IsResultDone) return new ValueTask<bool>(false);
        if ((_behavior & CommandBehavior.SingleRow) != 0 && _rowsRead > 0) return new ValueTask<bool>(false);
        var pending = _current.ReadAsync(cancellationToken);
        if (pending.IsCompletedSuccessfully)
        {
            if (pending.Result)
            {
                _onRow = true;
                _rowsRead++;
                return new ValueTask<bool>(true);
            }
            AccumulateCurrent();
            return new ValueTask<bool>(false);
        }
        return ReadSlowAsync(pending);
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ReadSlowAsync(ValueTask<bool> pending)
    {
        bool hasRow;
        try
        {
            hasRow = await pending.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            if (e is PostgresException postgres) Annotate(postgres);
            await AbortSequentialAsync().ConfigureAwait(false);
            throw;
        }
        if (hasRow)
        {
            _onRow = true;
            _rowsRead++;
        }
        else
        {
            AccumulateCurrent();
        }
        return hasRow;
    }

    /// <inheritdoc />
    public override bool NextResult() => NextResultAsync(CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>Moves to the result set of the next statement that returns rows; false when there is none.</summary>
    public override async Task<bool> NextResultAsync(CancellationToken cancellationToken)
    {
        ThrowIfClosed();
        _onRow = false;
        _pendingRow = false;
        if (_current is null) return false;
        if ((_behavior & (CommandBehavior.SingleResult | CommandBehavior.SingleRow)) != 0 && _returnedResult)
        {
            // The other statements still ran (they were sent with the first); their results are discarded.
            while (await AdvanceAsync(cancellationToken).ConfigureAwait(false)) { }
            return false;
        }
        while (await AdvanceAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await PositionAsync(cancellationToken).ConfigureAwait(false)) return true;
        }
        return false;
    }

    /// <summary>
    /// Sends every statement in one round trip (one implicit transaction) and positions the reader on the first result
    /// set. When a later statement cannot be prepared before the earlier ones ran (it uses a table an earlier one
    /// creates), the statements run one after another inside a transaction block instead, with the same all-or-nothing
    /// outcome.
    /// </summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    internal async ValueTask StartAsync(CancellationToken cancellationToken)
    {
        var connector = _connection.Connector;
        connector.Cancellation.CommandTimeoutOverride = _command.Timeout;
        if ((_behavior & CommandBehavior.SchemaOnly) != 0)
        {
            // Described, not run: each result set has its columns and no rows.
            var described = await QueryRunner.DescribeOnlyAsync(connector, _statements, cancellationToken).ConfigureAwait(false);
            _current = PgRowReader.ForSchemaOnly(connector, described);
            while (_current.FieldCount == 0 && await _current.NextResultAsync(cancellationToken).ConfigureAwait(false)) { }
            return;
        }
        try
        {
            var known = await QueryRunner.StartBatchAsync(connector, _statements, cancellationToken).ConfigureAwait(false);
            _current = PgRowReader.ForDataReader(connector, known, firstStatementBound: false);
        }
        catch (PostgresException e) when (Annotate(e))
        {
            throw;
        }
        catch (PostgresException e) when (e.StatementIndex > 0)
        {
            _sequential = true;
            if (connector.TransactionStatus == Protocol.TransactionStatus.Idle)
            {
                await QueryRunner.ExecuteScriptAsync(connector, "BEGIN", cancellationToken).ConfigureAwait(false);
                _ownTransaction = true;
            }
            _sequentialIndex = -1;
            if (!await StartNextSequentialAsync(cancellationToken).ConfigureAwait(false)) return;
        }
        if (await PositionAsync(cancellationToken).ConfigureAwait(false)) return;
        while (await AdvanceAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await PositionAsync(cancellationToken).ConfigureAwait(false)) return;
        }
    }

    /// <summary>ExecuteNonQuery: runs through every result, closes, returns RecordsAffected.</summary>
    internal async Task<int> ConsumeForNonQueryAsync(CancellationToken cancellationToken)
    {
        await using (this)
        {
            while (await NextResultAsync(cancellationToken).ConfigureAwait(false)) { }
            await CloseAsync().ConfigureAwait(false);
            return RecordsAffected;
        }
    }

    /// <summary>ExecuteScalar: the first column of the first row of the first result; every result is still consumed.</summary>
    internal async Task<object?> ConsumeForScalarAsync(CancellationToken cancellationToken)
    {
        await using (this)
        {
            object? value = null;
            if (FieldCount > 0 && await ReadAsync(cancellationToken).ConfigureAwait(false)) value = GetValue(0);
            while (await NextResultAsync(cancellationToken).ConfigureAwait(false)) { }
            return value;
        }
    }

    /// <inheritdoc />
    public override void Close() => CloseAsync().GetAwaiter().GetResult();

    /// <summary>Reads what is left of every result (all statements ran already) and frees the connection for other commands.</summary>
    public override async Task CloseAsync()
    {
        if (_closed) return;
        try
        {
            // A broken connection has nothing more to read (and closing must not hide the error that broke it).
            if (_current is not null && (!_current.IsCompleted || _sequential) && _connection.State == ConnectionState.Open)
            {
                while (await AdvanceAsync(CancellationToken.None).ConfigureAwait(false)) { }
            }
        }
        finally
        {
            // The row reader goes back to the connector for its next command: this reader lets go of it.
            if (_current is not null) await _current.DisposeAsync().ConfigureAwait(false);
            _current = null;
            _closed = true;
            _onRow = false;
            _pendingRow = false;
            if (_connection.State == ConnectionState.Open) _connection.Connector.Cancellation.CommandTimeoutOverride = null;
            if (ReferenceEquals(_connection.ActiveReader, this)) _connection.ActiveReader = null;
            if ((_behavior & CommandBehavior.CloseConnection) != 0) await _connection.CloseAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        await CloseAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) Close();
        base.Dispose(disposing);
    }

    /// <summary>The name of a column of the current result set.</summary>
    /// <exception cref="IndexOutOfRangeException">No column has that ordinal.</exception>
    /// <exception cref="InvalidOperationException">The reader is closed, or the current result has no columns.</exception>
    public override string GetName(int ordinal) => Column(ordinal).Name;

    /// <summary>
    /// The ordinal of a column (exact match first, then ignoring case): works whenever the result has columns, before
    /// the first <see cref="Read"/> and after the last.
    /// </summary>
    /// <exception cref="IndexOutOfRangeException">No column has that name.</exception>
    /// <exception cref="InvalidOperationException">The reader is closed, or the current result has no columns.</exception>
    public override int GetOrdinal(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        ResultColumns();
        return _current!.GetOrdinal(name);
    }

    /// <summary>The PostgreSQL type name of a column (for example <c>integer</c>, <c>timestamp with time zone</c>).</summary>
    /// <exception cref="IndexOutOfRangeException">No column has that ordinal.</exception>
    /// <exception cref="InvalidOperationException">The reader is closed, or the current result has no columns.</exception>
    public override string GetDataTypeName(int ordinal) => Column(ordinal).TypeName;

    /// <summary>The CLR type <see cref="GetValue"/> returns for a column.</summary>
    /// <exception cref="IndexOutOfRangeException">No column has that ordinal.</exception>
    /// <exception cref="InvalidOperationException">The reader is closed, or the current result has no columns.</exception>
    public override Type GetFieldType(int ordinal) => Column(ordinal).ClrType;

    /// <summary>The columns of the current result set (empty when it has none).</summary>
    public IReadOnlyList<PgColumn> GetColumns() => Columns();

    /// <summary>
    /// The current result's columns with their base table and column, nullability, key, uniqueness and identity,
    /// read from the catalog on this reader's own connection (so a table created earlier in its transaction is found).
    /// </summary>
    /// <remarks>While rows of the command are still arriving, the rest of its results is read into memory first: the
    /// catalog query can run only once the server has finished the command.</remarks>
    public ReadOnlyCollection<DbColumn> GetColumnSchema() => GetColumnSchemaAsync().GetAwaiter().GetResult();

    /// <summary>The current result's columns; see <see cref="GetColumnSchema"/>.</summary>
    public new Task<ReadOnlyCollection<DbColumn>> GetColumnSchemaAsync(CancellationToken cancellationToken = default) =>
        ColumnSchemaLoader.LoadAsync(_connection.Database, Columns(), _connection.Connector, _current, cancellationToken);

    /// <summary>The current result's columns as the classic schema table (one row per column); null when it has no columns.</summary>
    public override DataTable? GetSchemaTable() => FieldCount == 0 ? null : ColumnSchemaLoader.ToSchemaTable(GetColumnSchema());

    /// <summary>The current result's columns as the classic schema table (one row per column); null when it has no columns.</summary>
    public override async Task<DataTable?> GetSchemaTableAsync(CancellationToken cancellationToken = default) =>
        FieldCount == 0 ? null : ColumnSchemaLoader.ToSchemaTable(await GetColumnSchemaAsync(cancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public override bool IsDBNull(int ordinal) => Current().IsNull(ordinal);

    /// <summary>The value as its default CLR type; <see cref="DBNull.Value"/> for SQL NULL.</summary>
    public override object GetValue(int ordinal)
    {
        var current = Current();
        return current.IsNull(ordinal) ? DBNull.Value : current.Get<object>(ordinal);
    }

    /// <summary>Copies the current row's values (as <see cref="GetValue"/> gives them) into <paramref name="values"/>; returns how many.</summary>
    /// <exception cref="InvalidOperationException">There is no current row.</exception>
    public override int GetValues(object[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        Current();
        var count = Math.Min(values.Length, FieldCount);
        for (var i = 0; i < count; i++) values[i] = GetValue(i);
        return count;
    }

    /// <summary>
    /// The value as <typeparamref name="T"/>. SQL NULL reads as null for <see cref="Nullable{T}"/>, as
    /// <see cref="DBNull"/> for object, and throws <see cref="InvalidCastException"/> otherwise (as in Npgsql).
    /// </summary>
    public override T GetFieldValue<T>(int ordinal)
    {
        if (typeof(T) == typeof(TextReader)) return (T)(object)GetTextReader(ordinal);
        if (typeof(T) == typeof(Stream)) return (T)(object)GetStream(ordinal);
        var current = Current();
        if (current.IsNull(ordinal))
        {
            if (typeof(T) == typeof(object) || typeof(T) == typeof(DBNull)) return (T)(object)DBNull.Value;
            if (default(T) is null && Nullable.GetUnderlyingType(typeof(T)) is not null) return default!;
            throw new InvalidCastException(
                $"Column '{GetName(ordinal)}' (ordinal {ordinal}) is NULL; read it as a nullable type or check IsDBNull first.");
        }
        return current.Get<T>(ordinal);
    }

    /// <summary>Deserializes a json or jsonb column with System.Text.Json; SQL NULL gives default.</summary>
    public T? GetJson<T>(int ordinal, System.Text.Json.JsonSerializerOptions? options = null) => Current().GetJson<T>(ordinal, options);

    /// <inheritdoc />
    public override bool GetBoolean(int ordinal) => GetFieldValue<bool>(ordinal);

    /// <summary>Reads an integer or numeric column that fits a byte (<see cref="OverflowException"/> when it does not).</summary>
    public override byte GetByte(int ordinal) => GetFieldValue<byte>(ordinal);

    /// <summary>
    /// Copies up to <paramref name="length"/> bytes of a bytea value, from <paramref name="dataOffset"/>, into
    /// <paramref name="buffer"/> at <paramref name="bufferOffset"/>; returns how many were copied (0 at the end of the
    /// value). With a null buffer, returns the value's length.
    /// </summary>
    /// <remarks>The value is decoded once per row and column, so reading it in chunks costs one decode.</remarks>
    /// <exception cref="ArgumentOutOfRangeException">An offset or length outside the value or the buffer.</exception>
    /// <exception cref="InvalidCastException">The value is NULL, or the column is not bytea.</exception>
    public override long GetBytes(int ordinal, long dataOffset, byte[]? buffer, int bufferOffset, int length)
    {
        var bytes = Chunked(ordinal, static (reader, i) => reader.GetFieldValue<byte[]>(i));
        if (buffer is null) return bytes.Length;
        var count = ChunkLength(bytes.Length, dataOffset, buffer.Length, bufferOffset, length);
        Array.Copy(bytes, dataOffset, buffer, bufferOffset, count);
        return count;
    }

    /// <summary>The first character of a non-empty text value (a <c>char(1)</c> column's value, or the "char" type's).</summary>
    /// <exception cref="InvalidCastException">The value is empty or NULL, or the column's type is not a text type.</exception>
    public override char GetChar(int ordinal) => GetFieldValue<char>(ordinal);

    /// <summary>
    /// Copies up to <paramref name="length"/> characters of a text value, from <paramref name="dataOffset"/>, into
    /// <paramref name="buffer"/> at <paramref name="bufferOffset"/>; returns how many were copied (0 at the end of the
    /// value). With a null buffer, returns the value's length.
    /// </summary>
    /// <remarks>The value is decoded once per row and column, so reading it in chunks costs one decode.</remarks>
    /// <exception cref="ArgumentOutOfRangeException">An offset or length outside the value or the buffer.</exception>
    /// <exception cref="InvalidCastException">The value is NULL, or the column's type is not a text type.</exception>
    public override long GetChars(int ordinal, long dataOffset, char[]? buffer, int bufferOffset, int length)
    {
        var text = Chunked(ordinal, static (reader, i) => reader.GetFieldValue<string>(i));
        if (buffer is null) return text.Length;
        var count = ChunkLength(text.Length, dataOffset, buffer.Length, bufferOffset, length);
        text.CopyTo((int)dataOffset, buffer, bufferOffset, count);
        return count;
    }

    /// <summary>How much of a value GetBytes/GetChars copies, after checking every argument against the value and the buffer.</summary>
    private static int ChunkLength(int valueLength, long dataOffset, int bufferLength, int bufferOffset, int length)
    {
        if (dataOffset < 0 || dataOffset > valueLength)
            throw new ArgumentOutOfRangeException(nameof(dataOffset), dataOffset, $"The value is {valueLength} long; dataOffset must be between 0 and that.");
        if (bufferOffset < 0 || bufferOffset > bufferLength)
            throw new ArgumentOutOfRangeException(nameof(bufferOffset), bufferOffset, $"The buffer is {bufferLength} long; bufferOffset must be between 0 and that.");
        if (length < 0 || length > bufferLength - bufferOffset)
            throw new ArgumentOutOfRangeException(nameof(length), length, $"The buffer has room for {bufferLength - bufferOffset} from bufferOffset {bufferOffset}.");
        return (int)Math.Min(length, valueLength - dataOffset);
    }

    /// <summary>A read-only stream over a bytea value (also <c>GetFieldValue&lt;Stream&gt;</c>).</summary>
    /// <exception cref="InvalidCastException">The value is NULL (check <see cref="IsDBNull"/> first), or the column is not bytea.</exception>
    public override Stream GetStream(int ordinal) => new MemoryStream(GetFieldValue<byte[]>(ordinal), writable: false);

    /// <summary>A reader over a text value (also <c>GetFieldValue&lt;TextReader&gt;</c>).</summary>
    /// <exception cref="InvalidCastException">The value is NULL (check <see cref="IsDBNull"/> first: NULL is not read as an
    /// empty text), or the column's type is not a text type.</exception>
    public override TextReader GetTextReader(int ordinal) => new StringReader(GetFieldValue<string>(ordinal));

    /// <inheritdoc />
    public override DateTime GetDateTime(int ordinal) => GetFieldValue<DateTime>(ordinal);

    /// <inheritdoc />
    public override decimal GetDecimal(int ordinal) => GetFieldValue<decimal>(ordinal);

    /// <inheritdoc />
    public override double GetDouble(int ordinal) => GetFieldValue<double>(ordinal);

    /// <inheritdoc />
    public override float GetFloat(int ordinal) => GetFieldValue<float>(ordinal);

    /// <inheritdoc />
    public override Guid GetGuid(int ordinal) => GetFieldValue<Guid>(ordinal);

    /// <inheritdoc />
    public override short GetInt16(int ordinal) => GetFieldValue<short>(ordinal);

    /// <inheritdoc />
    public override int GetInt32(int ordinal) => GetFieldValue<int>(ordinal);

    /// <inheritdoc />
    public override long GetInt64(int ordinal) => GetFieldValue<long>(ordinal);

    /// <inheritdoc />
    public override string GetString(int ordinal) => GetFieldValue<string>(ordinal);

    /// <inheritdoc />
    public override IEnumerator GetEnumerator() => new DbEnumerator(this, closeReader: false);

    private (int Statement, int Row, int Ordinal, object Value)? _chunkSource;

    /// <summary>The value behind GetBytes/GetChars, decoded once for the current row and column.</summary>
    private T Chunked<T>(int ordinal, Func<PgWireDataReader, int, T> decode) where T : class
    {
        Current();
        if (_chunkSource is { } cached && cached.Statement == StatementIndex && cached.Row == _rowsRead && cached.Ordinal == ordinal
            && cached.Value is T value) return value;
        var decoded = decode(this, ordinal);
        _chunkSource = (StatementIndex, _rowsRead, ordinal, decoded);
        return decoded;
    }

    private PgRowReader Current()
    {
        ThrowIfClosed();
        if (!_onRow) throw new InvalidOperationException("There is no current row: call Read first and read columns only while it returned true.");
        return _current!;
    }

    private IReadOnlyList<PgColumn> Columns()
    {
        ThrowIfClosed();
        return _current?.Columns ?? [];
    }

    /// <summary>The current result's columns; it must have some.</summary>
    private IReadOnlyList<PgColumn> ResultColumns()
    {
        var columns = Columns();
        return columns.Count > 0 ? columns
            : throw new InvalidOperationException("The current result has no columns: its statement returns no rows (an INSERT, UPDATE or DELETE without RETURNING, or a utility statement).");
    }

    private PgColumn Column(int ordinal)
    {
        var columns = ResultColumns();
        return (uint)ordinal < (uint)columns.Count ? columns[ordinal]
            : throw new IndexOutOfRangeException($"Column ordinal {ordinal} is out of range: the result has {columns.Count} columns.");
    }

    private void ThrowIfClosed()
    {
        if (_closed) throw new InvalidOperationException("The data reader is closed.");
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ReadCurrentAsync(CancellationToken cancellationToken)
    {
        bool hasRow;
        try
        {
            hasRow = await _current!.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            if (e is PostgresException postgres) Annotate(postgres);
            await AbortSequentialAsync().ConfigureAwait(false);
            throw;
        }
        if (!hasRow) AccumulateCurrent();
        return hasRow;
    }

    /// <summary>Reads ahead the first row of the current statement's result; true when it has columns (a result set).</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> PositionAsync(CancellationToken cancellationToken)
    {
        _rowsRead = 0;
        _pendingRow = await ReadCurrentAsync(cancellationToken).ConfigureAwait(false);
        if (_current!.FieldCount == 0) return false;
        _returnedResult = true;
        return true;
    }

    /// <summary>Finishes the current statement's result (discarding its rows) and moves to the next statement.</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> AdvanceAsync(CancellationToken cancellationToken)
    {
        var current = _current!;
        try
        {
            while (!current.IsResultDone) await current.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            if (e is PostgresException postgres) Annotate(postgres);
            await AbortSequentialAsync().ConfigureAwait(false);
            throw;
        }
        AccumulateCurrent();
        if (!_sequential) return await current.NextResultAsync(cancellationToken).ConfigureAwait(false);
        return await StartNextSequentialAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One statement at a time (the fallback): runs the next one, or commits the block after the last.</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> StartNextSequentialAsync(CancellationToken cancellationToken)
    {
        var connector = _connection.Connector;
        if (++_sequentialIndex >= _statements.Count)
        {
            if (_ownTransaction)
            {
                _ownTransaction = false;
                await QueryRunner.ExecuteScriptAsync(connector, "COMMIT", cancellationToken).ConfigureAwait(false);
            }
            return false;
        }
        var (sql, values) = _statements[_sequentialIndex];
        try
        {
            var known = await QueryRunner.StartStreamingAsync(connector, sql, values, cancellationToken).ConfigureAwait(false);
            _current = PgRowReader.ForDataReader(connector, [known], firstStatementBound: true);
            return true;
        }
        catch (PostgresException e)
        {
            e.StatementIndex = _sequentialIndex;
            Annotate(e);
            await AbortSequentialAsync().ConfigureAwait(false);
            throw;
        }
        catch
        {
            await AbortSequentialAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>After a failure in the fallback: the statements that ran are rolled back, as one implicit transaction would be.</summary>
    private async ValueTask AbortSequentialAsync()
    {
        _sequentialIndex = _statements.Count;
        if (!_ownTransaction) return;
        _ownTransaction = false;
        if (_connection.ConnectorOrNull is { IsBroken: false } connector)
            await QueryRunner.ExecuteScriptAsync(connector, "ROLLBACK", CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// Names the batch command a failed statement belongs to (the exception's BatchCommand). Returns false, so it can
    /// sit in an exception filter that lets the exception go on.
    /// </summary>
    private bool Annotate(PostgresException e)
    {
        // In the statement-by-statement fallback each statement has a reader of its own, which counts from 0.
        if (_sequential && _sequentialIndex < _statements.Count) e.StatementIndex = _sequentialIndex;
        if (_batchCommands is not null && _owners is not null && e.StatementIndex >= 0 && e.StatementIndex < _owners.Length)
            e.FailedBatchCommand = _batchCommands[_owners[e.StatementIndex]];
        return false;
    }

    /// <summary>The position of the current statement among the command's statements.</summary>
    private int StatementIndex => _sequential ? _sequentialIndex : _current?.StatementIndex ?? 0;

    /// <summary>Adds the current statement's changed rows to <see cref="RecordsAffected"/>, once per statement.</summary>
    private void AccumulateCurrent()
    {
        var current = _current!;
        // Past the last statement (the statement-by-statement mode after its COMMIT) nothing is left to count.
        if (!current.IsResultDone || _accumulated == StatementIndex || StatementIndex >= _statements.Count) return;
        _accumulated = StatementIndex;
        if (current.ModifiedRows < 0) return;
        _recordsAffected = Math.Max(_recordsAffected, 0) + current.ModifiedRows;
        if (_batchCommands is not null && _owners is not null)
        {
            var owner = _batchCommands[_owners[StatementIndex]];
            owner._recordsAffected = (int)Math.Min(Math.Max(owner._recordsAffected, 0) + current.ModifiedRows, int.MaxValue);
        }
    }

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"PgWireDataReader {{ statement {StatementIndex + 1} of {_statements.Count} }}");
}

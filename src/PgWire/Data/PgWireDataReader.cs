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
/// <remarks>A façade: the statements, their results, the fallback and the counts are the internal command execution's;
/// the reader keeps ADO.NET's view of them (the current row, result sets without rows skipped, the behaviours).</remarks>
public sealed class PgWireDataReader : DbDataReader
{
    private readonly PgWireConnection _connection;
    private readonly CommandExecution _execution;
    private readonly CommandBehavior _behavior;
    private readonly ReaderPosition _position;
    private bool _closed;
    private int _closedRecordsAffected;
    private (int Statement, int Count) _closedAt;

    internal PgWireDataReader(PgWireConnection connection, CommandExecution execution, CommandBehavior behavior)
    {
        _connection = connection;
        _execution = execution;
        _behavior = behavior;
        _position = execution.Position;
        _position.Restart(behavior);
    }

    /// <summary>The current statement's row reader.</summary>
    private PgRowReader? Cursor => _execution.Current;

    /// <inheritdoc />
    public override int Depth => 0;

    /// <summary>The number of columns of the current result set (0 when it has none: an INSERT, UPDATE or DELETE without RETURNING).</summary>
    /// <exception cref="InvalidOperationException">The reader is closed.</exception>
    public override int FieldCount
    {
        get
        {
            ThrowIfClosed();
            return Cursor?.FieldCount ?? 0;
        }
    }

    /// <summary>Whether the current result set has at least one row.</summary>
    public override bool HasRows
    {
        get
        {
            ThrowIfClosed();
            return _position.HasRows;
        }
    }

    /// <inheritdoc />
    public override bool IsClosed => _closed;

    /// <summary>Rows changed by the INSERT, UPDATE, DELETE and MERGE statements run so far; -1 when none ran.</summary>
    public override int RecordsAffected => _closed ? _closedRecordsAffected
        : _execution.RecordsAffected < 0 ? -1 : (int)Math.Min(_execution.RecordsAffected, int.MaxValue);

    /// <inheritdoc />
    public override object this[int ordinal] => GetValue(ordinal);

    /// <inheritdoc />
    public override object this[string name] => GetValue(GetOrdinal(name));

    /// <inheritdoc />
    public override bool Read()
    {
        ThrowIfClosed();
        var read = _position.ReadAsync(CancellationToken.None);
        return read.IsCompletedSuccessfully ? read.Result : read.AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Moves to the next row of the current result set.</summary>
    public override Task<bool> ReadAsync(CancellationToken cancellationToken)
    {
        ThrowIfClosed();
        var read = _position.ReadAsync(cancellationToken);
        if (!read.IsCompletedSuccessfully) return read.AsTask();
        return read.Result ? s_true : s_false;
    }

    private static readonly Task<bool> s_true = Task.FromResult(true);
    private static readonly Task<bool> s_false = Task.FromResult(false);

    /// <inheritdoc />
    public override bool NextResult() => NextResultAsync(CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>Moves to the result set of the next statement that returns rows; false when there is none.</summary>
    public override Task<bool> NextResultAsync(CancellationToken cancellationToken)
    {
        ThrowIfClosed();
        return _position.NextResultAsync(cancellationToken);
    }

    /// <summary>Starts the execution and positions the reader on the first result set.</summary>
    internal ValueTask StartAsync(CancellationToken cancellationToken) => _position.StartAsync(cancellationToken);

    /// <inheritdoc />
    public override void Close() => CloseAsync().GetAwaiter().GetResult();

    /// <summary>Reads what is left of every result (all statements ran already) and frees the connection for other commands.</summary>
    public override async Task CloseAsync()
    {
        if (_closed) return;
        try
        {
            // A broken connection has nothing more to read (and closing must not hide the error that broke it).
            if (_execution.HasUnread && _connection.State == ConnectionState.Open) await _position.DrainAsync().ConfigureAwait(false);
        }
        finally
        {
            // The execution goes back to the session for its next command: this reader keeps what it may still be
            // asked and lets go of it.
            _closedRecordsAffected = RecordsAffected;
            _closedAt = (StatementIndex, _execution.StatementCount);
            _closed = true;
            _position.Leave();
            await _execution.EndAsync().ConfigureAwait(false);
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
        return Cursor!.GetOrdinal(name);
    }

    /// <summary>The PostgreSQL type name of a column (for example <c>integer</c>, <c>timestamp with time zone</c>).</summary>
    /// <exception cref="IndexOutOfRangeException">No column has that ordinal.</exception>
    /// <exception cref="InvalidOperationException">The reader is closed, or the current result has no columns.</exception>
    public override string GetDataTypeName(int ordinal) => Column(ordinal).TypeName;

    /// <summary>The CLR type <see cref="GetValue"/> returns for a column.</summary>
    /// <exception cref="IndexOutOfRangeException">No column has that ordinal.</exception>
    /// <exception cref="InvalidOperationException">The reader is closed, or the current result has no columns.</exception>
    [return: System.Diagnostics.CodeAnalysis.DynamicallyAccessedMembers(System.Diagnostics.CodeAnalysis.DynamicallyAccessedMemberTypes.PublicFields | System.Diagnostics.CodeAnalysis.DynamicallyAccessedMemberTypes.PublicProperties)]
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2073",
        Justification = "ADO.NET annotates the field type for DataTable; PgWire's column types are its codecs' CLR types and the application's mapped types, which it uses already.")]
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
        ColumnSchemaLoader.LoadAsync(_connection.Database, Columns(), _connection.Connector, Cursor, cancellationToken);

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
    [System.Diagnostics.CodeAnalysis.RequiresUnreferencedCode(Types.JsonReflection.Message)]
    [System.Diagnostics.CodeAnalysis.RequiresDynamicCode(Types.JsonReflection.Message)]
    public T? GetJson<T>(int ordinal, System.Text.Json.JsonSerializerOptions? options = null) => Current().GetJson<T>(ordinal, options);

    /// <summary>
    /// Deserializes a json or jsonb column with System.Text.Json's source-generated metadata (safe under trimming and
    /// NativeAOT); SQL NULL gives default.
    /// </summary>
    public T? GetJson<T>(int ordinal, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo) => Current().GetJson(ordinal, typeInfo);

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
        if (_chunkSource is { } cached && cached.Statement == StatementIndex && cached.Row == _position.RowsRead && cached.Ordinal == ordinal
            && cached.Value is T value) return value;
        var decoded = decode(this, ordinal);
        _chunkSource = (StatementIndex, _position.RowsRead, ordinal, decoded);
        return decoded;
    }

    private PgRowReader Current()
    {
        ThrowIfClosed();
        if (!_position.OnRow) throw new InvalidOperationException("There is no current row: call Read first and read columns only while it returned true.");
        return Cursor!;
    }

    private IReadOnlyList<PgColumn> Columns()
    {
        ThrowIfClosed();
        return Cursor?.Columns ?? [];
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

    /// <summary>The position of the current statement among the command's statements.</summary>
    private int StatementIndex => _execution.StatementIndex;

    /// <inheritdoc />
    public override string ToString()
    {
        var (statement, count) = _closed ? _closedAt : (StatementIndex, _execution.StatementCount);
        return string.Create(CultureInfo.InvariantCulture, $"PgWireDataReader {{ statement {statement + 1} of {count}{(_closed ? ", closed" : "")} }}");
    }
}

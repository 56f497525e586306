using PgWire.Connection;
using PgWire.Protocol;
using PgWire.Results;
using PgWire.Types;

namespace PgWire;

/// <summary>
/// A forward-only stream of a query's rows, decoded straight from the connection's receive buffer: for results too
/// large to hold, or to start working before the last row arrives. Unlike <see cref="PgRowSet"/> it keeps its
/// connection until the last row was read or the reader is disposed; memory stays bounded whatever the result's size.
/// </summary>
/// <remarks>
/// Not thread-safe. A column is decoded when it is read; the current row's bytes are valid only until the next
/// <see cref="ReadAsync"/>. Dispose the reader (it reads and discards the rows left, then frees the connection).
/// Internally one reader also walks the results of several statements sent in one round trip.
/// </remarks>
public sealed class PgRowReader : IAsyncDisposable, IDisposable
{
    private readonly ResponseCursor _cursor;
    private bool _reusable;
    private bool _disposed;
    private PgColumn[]? _columns;
    private RowDescriptionInfo? _columnsOf;

    /// <summary>A reader of one statement whose BindComplete (and description) was read before (a streaming start).</summary>
    internal PgRowReader(PgConnector connector, RowDescriptionInfo? knownDescription, Func<PgConnector, ValueTask> release)
        : this(connector, connector.SingleKnown(knownDescription), release, firstStatementBound: true)
    {
    }

    /// <summary>A reader over the results of several statements, in order (one round trip, one Sync).</summary>
    /// <param name="connector">The session.</param>
    /// <param name="knownDescriptions">Per statement, its columns when known in advance (otherwise the portal was described).</param>
    /// <param name="release">Called when the response ended.</param>
    /// <param name="firstStatementBound">Whether the first statement's BindComplete (and description) was read before
    /// the reader began (a streaming start), rather than being left for the reader.</param>
    internal PgRowReader(PgConnector connector, RowDescriptionInfo?[] knownDescriptions, Func<PgConnector, ValueTask> release, bool firstStatementBound) =>
        _cursor = new ResponseCursor(connector, knownDescriptions, release, firstStatementBound);

    /// <summary>A reader with columns and no rows, for statements that were described but not run (SchemaOnly).</summary>
    internal static PgRowReader ForSchemaOnly(PgConnector connector, RowDescriptionInfo?[] descriptions)
    {
        var reader = new PgRowReader(connector, descriptions, static _ => ValueTask.CompletedTask, firstStatementBound: false);
        reader._cursor.MarkSchemaOnly();
        return reader;
    }

    /// <summary>
    /// A reader for the ADO.NET data reader, which never hands it out: its command execution keeps the instance and
    /// reuses it (<paramref name="spare"/>) for its next statement or command once this one is done, so a command
    /// allocates no reader of its own.
    /// </summary>
    internal static PgRowReader ForDataReader(PgConnector connector, RowDescriptionInfo?[] knownDescriptions, bool firstStatementBound, PgRowReader? spare)
    {
        if (spare is null || !spare.CanRestart || spare._cursor.Connector != connector)
            return new PgRowReader(connector, knownDescriptions, s_keepConnector, firstStatementBound) { _reusable = true };
        spare._cursor.Start(knownDescriptions, s_keepConnector, firstStatementBound);
        spare._disposed = false;
        spare._columns = null;
        spare._columnsOf = null;
        return spare;
    }

    /// <summary>True for a data reader's row reader that was disposed after its response ended: it may serve again.</summary>
    internal bool CanRestart => _reusable && _disposed && _cursor.IsCompleted;

    private static readonly Func<PgConnector, ValueTask> s_keepConnector = static _ => ValueTask.CompletedTask;

    /// <summary>The number of columns (0 for a statement that returns no rows).</summary>
    public int FieldCount
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _cursor.Description?.Count ?? 0;
        }
    }

    /// <summary>The result's columns. Known once the first <see cref="ReadAsync"/> returned, or earlier for a statement this session prepared before.</summary>
    public IReadOnlyList<PgColumn> Columns
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var description = _cursor.Description;
            if (_columns is null || !ReferenceEquals(_columnsOf, description))
            {
                _columns = PgColumn.From(description);
                _columnsOf = description;
            }
            return _columns;
        }
    }

    /// <summary>The number of rows the server reported for the statement once all rows were read; 0 before that.</summary>
    public long RowsAffected => _cursor.RowsAffected;

    /// <summary>Rows changed by INSERT, UPDATE, DELETE or MERGE in the current statement; -1 when it was none of them.</summary>
    internal long ModifiedRows => _cursor.ModifiedRows;

    /// <summary>True once the whole response ended (ReadyForQuery): the connection is free again.</summary>
    internal bool IsCompleted => _cursor.IsCompleted;

    /// <summary>True once the current statement's result ended.</summary>
    internal bool IsResultDone => _cursor.IsResultDone;

    /// <summary>The position of the current statement among those sent.</summary>
    internal int StatementIndex => _cursor.StatementIndex;

    /// <summary>
    /// Moves to the next row; false when there are no more (the connection is then free again). A server error
    /// partway through the result is thrown here, after the connection was brought back to a usable state.
    /// </summary>
    /// <param name="cancellationToken">Cancels the statement on the server while waiting for rows.</param>
    public ValueTask<bool> ReadAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _cursor.ReadAsync(cancellationToken);
    }

    /// <summary>Decodes column <paramref name="ordinal"/> of the current row; see <see cref="PgRow.Get{T}(int)"/> for NULL and type rules.</summary>
    /// <exception cref="InvalidCastException">The column cannot be read as <typeparamref name="T"/>.</exception>
    /// <exception cref="InvalidOperationException">There is no current row.</exception>
    public T Get<T>(int ordinal)
    {
        var description = CurrentRow(ordinal);
        if (!DataRow.TryGetColumnAt(_cursor.Row.Span, _cursor.Offsets[ordinal], out var value)) return ValueDecoder.Null<T>(description, ordinal);
        // The common case, kept small: the column's codec reads T itself.
        if (description.Codecs[ordinal] is PgCodec<T> typed)
        {
            try
            {
                return typed.Read(value);
            }
            catch (InvalidCastException e)
            {
                throw ValueDecoder.WithColumn(description, ordinal, typeof(T), e);
            }
            catch (OverflowException e)
            {
                throw ValueDecoder.WithColumn(description, ordinal, typeof(T), e);
            }
        }
        return ValueDecoder.Read<T>(description, ordinal, value);
    }

    /// <summary>Deserializes a json or jsonb column of the current row with System.Text.Json; SQL NULL gives default.</summary>
    [System.Diagnostics.CodeAnalysis.RequiresUnreferencedCode(Types.JsonReflection.Message)]
    [System.Diagnostics.CodeAnalysis.RequiresDynamicCode(Types.JsonReflection.Message)]
    public T? GetJson<T>(int ordinal, System.Text.Json.JsonSerializerOptions? options = null)
    {
        var description = CurrentRow(ordinal);
        return DataRow.TryGetColumnAt(_cursor.Row.Span, _cursor.Offsets[ordinal], out var value)
            ? ValueDecoder.ReadJson<T>(description, ordinal, value, options)
            : default;
    }

    /// <summary>
    /// Deserializes a json or jsonb column of the current row with System.Text.Json's source-generated metadata (safe
    /// under trimming and NativeAOT); SQL NULL gives default.
    /// </summary>
    public T? GetJson<T>(int ordinal, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        var description = CurrentRow(ordinal);
        return DataRow.TryGetColumnAt(_cursor.Row.Span, _cursor.Offsets[ordinal], out var value)
            ? ValueDecoder.ReadJson(description, ordinal, value, typeInfo)
            : default;
    }

    /// <summary>
    /// Writes the rows not read yet as a JSON array (see <see cref="PgRowSet.WriteJson"/> for the forms), decoded from
    /// the receive buffer as they arrive, and flushes <paramref name="writer"/> whenever 16 KiB are pending: for
    /// results too large to hold, straight into a response stream.
    /// </summary>
    /// <param name="writer">Where the JSON goes.</param>
    /// <param name="format">Objects (the default) or arrays per row.</param>
    /// <param name="cancellationToken">Cancels the statement on the server while waiting for rows, and the flushes.</param>
    /// <returns>The number of rows written.</returns>
    public async Task<long> WriteJsonAsync(System.Text.Json.Utf8JsonWriter writer, PgJsonRowFormat format = PgJsonRowFormat.Objects, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writer);
        long rows = 0;
        writer.WriteStartArray();
        while (await ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            JsonRows.WriteRow(_cursor.Description!, _cursor.Row.Span, _cursor.Offsets, writer, format);
            rows++;
            if (writer.BytesPending > 16 * 1024) await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        writer.WriteEndArray();
        return rows;
    }

    /// <summary>Decodes the column called <paramref name="name"/> of the current row.</summary>
    public T Get<T>(string name) => Get<T>(GetOrdinal(name));

    /// <summary>True when column <paramref name="ordinal"/> of the current row is SQL NULL.</summary>
    public bool IsNull(int ordinal)
    {
        CurrentRow(ordinal);
        return _cursor.Offsets[ordinal] < 0;
    }

    /// <summary>True when the column called <paramref name="name"/> of the current row is SQL NULL.</summary>
    public bool IsNull(string name) => IsNull(GetOrdinal(name));

    /// <summary>The ordinal of the column called <paramref name="name"/> (exact match first, then ignoring case).</summary>
    /// <exception cref="IndexOutOfRangeException">No column has that name.</exception>
    public int GetOrdinal(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var ordinal = _cursor.Description?.GetOrdinal(name) ?? -1;
        return ordinal >= 0 ? ordinal : throw new IndexOutOfRangeException($"The result has no column named '{name}'.");
    }

    /// <summary>
    /// Moves to the next statement's result, skipping what is left of the current one; false after the last. A
    /// server error in a later statement is thrown here or by <see cref="ReadAsync"/>.
    /// </summary>
    internal ValueTask<bool> NextResultAsync(CancellationToken cancellationToken) => _cursor.NextResultAsync(cancellationToken);

    /// <summary>
    /// Reads what is left of this response into memory (the current row included), so that another request can run
    /// on the connection before the caller reads on; <see cref="ResumeAfterAside"/> must follow.
    /// </summary>
    internal ValueTask<bool> SetAsideRestAsync(CancellationToken cancellationToken) => _cursor.SetAsideRestAsync(cancellationToken);

    /// <summary>After <see cref="SetAsideRestAsync"/> and the other request: reading goes on with the frames set aside.</summary>
    internal void ResumeAfterAside() => _cursor.ResumeAfterAside();

    /// <summary>Reads and discards the rows left, then frees the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        await _cursor.DiscardAsync().ConfigureAwait(false);
        _disposed = true;
    }

    /// <summary>Reads and discards the rows left, then frees the connection.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private RowDescriptionInfo CurrentRow(int ordinal)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_cursor.OnRow) throw new InvalidOperationException("There is no current row: call ReadAsync first and read columns only while it returned true.");
        var description = _cursor.Description!;
        if ((uint)ordinal >= (uint)description.Count)
            throw new IndexOutOfRangeException($"Column ordinal {ordinal} is out of range: the row has {description.Count} columns.");
        return description;
    }
}

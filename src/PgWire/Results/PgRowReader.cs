using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
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
public sealed class PgRowReader : IAsyncDisposable, IDisposable, ISessionCursor
{
    private readonly PgConnector _connector;
    private Func<PgConnector, ValueTask> _release;
    private RowDescriptionInfo?[] _known;
    private bool _reusable;
    private int _statement;
    private RowDescriptionInfo? _description;
    private int[] _offsets;
    private ReadOnlyMemory<byte> _row;
    private bool _onRow;
    private bool _resultDone;
    private bool _completed;
    private bool _disposed;
    private PostgresException? _error;
    private PgColumn[]? _columns;
    private ExceptionDispatchInfo? _failure;

    /// <summary>A reader of one statement whose BindComplete (and description) was read before (a streaming start).</summary>
    internal PgRowReader(PgConnector connector, RowDescriptionInfo? knownDescription, Func<PgConnector, ValueTask> release)
        : this(connector, [knownDescription], release, firstStatementBound: true)
    {
    }

    /// <summary>A reader with columns and no rows, for statements that were described but not run (SchemaOnly).</summary>
    internal static PgRowReader ForSchemaOnly(PgConnector connector, RowDescriptionInfo?[] descriptions) =>
        new(connector, descriptions, static _ => ValueTask.CompletedTask, firstStatementBound: false) { _schemaOnly = true, _resultDone = true, _completed = true };

    private bool _schemaOnly;

    /// <summary>A reader over the results of several statements, in order (one round trip, one Sync).</summary>
    /// <param name="connector">The session.</param>
    /// <param name="knownDescriptions">Per statement, its columns when known in advance (otherwise the portal was described).</param>
    /// <param name="release">Called when the response ended.</param>
    /// <param name="firstStatementBound">Whether the first statement's BindComplete (and description) was read before
    /// the reader began (a streaming start), rather than being left for the reader.</param>
    internal PgRowReader(PgConnector connector, RowDescriptionInfo?[] knownDescriptions, Func<PgConnector, ValueTask> release, bool firstStatementBound)
    {
        _connector = connector;
        Start(knownDescriptions, release, firstStatementBound);
    }

    /// <summary>Sets every piece of per-request state, for a new reader or for one reused by its connector.</summary>
    [System.Diagnostics.CodeAnalysis.MemberNotNull(nameof(_release), nameof(_known), nameof(_offsets))]
    private void Start(RowDescriptionInfo?[] knownDescriptions, Func<PgConnector, ValueTask> release, bool firstStatementBound)
    {
        // A streaming start read the first statement's BindComplete (and description) already, through the same reader.
        if (!firstStatementBound) _connector.Response.Begin(ResponseShape.Execute, knownDescriptions.Length, known: knownDescriptions);
        _release = release;
        _known = knownDescriptions;
        _statement = 0;
        _description = knownDescriptions[0];
        _offsets = OffsetsFor(_description, _offsets);
        _row = default;
        _onRow = _resultDone = _completed = _disposed = _schemaOnly = false;
        _error = null;
        _columns = null;
        _failure = null;
        RowsAffected = 0;
        ModifiedRows = -1;
    }

    /// <summary>
    /// A reader for the ADO.NET data reader, which never hands it out: the connector keeps the instance and reuses it
    /// for its next command once this one is disposed, so a command allocates no reader of its own.
    /// </summary>
    internal static PgRowReader ForDataReader(PgConnector connector, RowDescriptionInfo?[] knownDescriptions, bool firstStatementBound)
    {
        if (connector.SpareCursor is not PgRowReader reader)
            return new PgRowReader(connector, knownDescriptions, s_keepConnector, firstStatementBound) { _reusable = true };
        connector.SpareCursor = null;
        reader.Start(knownDescriptions, s_keepConnector, firstStatementBound);
        return reader;
    }

    private static readonly Func<PgConnector, ValueTask> s_keepConnector = static _ => ValueTask.CompletedTask;

    /// <summary>The per-column offsets array for a description: the current one when its size fits, none for no columns.</summary>
    private static int[] OffsetsFor(RowDescriptionInfo? description, int[]? current)
    {
        var count = description?.Count ?? 0;
        if (count == 0) return [];
        return current is not null && current.Length == count ? current : new int[count];
    }

    /// <summary>The number of columns (0 for a statement that returns no rows).</summary>
    public int FieldCount
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _description?.Count ?? 0;
        }
    }

    /// <summary>The result's columns. Known once the first <see cref="ReadAsync"/> returned, or earlier for a statement this session prepared before.</summary>
    public IReadOnlyList<PgColumn> Columns
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _columns ??= PgColumn.From(_description);
        }
    }

    /// <summary>The number of rows the server reported for the statement once all rows were read; 0 before that.</summary>
    public long RowsAffected { get; private set; }

    /// <summary>Rows changed by INSERT, UPDATE, DELETE or MERGE in the current statement; -1 when it was none of them.</summary>
    internal long ModifiedRows { get; private set; } = -1;

    /// <summary>True once the whole response ended (ReadyForQuery): the connection is free again.</summary>
    internal bool IsCompleted => _completed;

    /// <summary>True once the current statement's result ended.</summary>
    internal bool IsResultDone => _resultDone || _completed;

    /// <summary>The position of the current statement among those sent.</summary>
    internal int StatementIndex => _statement;

    /// <summary>
    /// Moves to the next row; false when there are no more (the connection is then free again). A server error
    /// partway through the result is thrown here, after the connection was brought back to a usable state.
    /// </summary>
    /// <param name="cancellationToken">Cancels the statement on the server while waiting for rows.</param>
    public ValueTask<bool> ReadAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _onRow = false;
        if (_resultDone || _completed) return new ValueTask<bool>(false);
        // Rows already received are handed out without an await.
        return TakeBuffered() switch
        {
            Step.Row => new ValueTask<bool>(true),
            Step.ResultEnd => new ValueTask<bool>(false),
            Step.End => FinishAsync(cancellationToken),
            Step.Failed => FailAsync(),
            _ => ReadSlowAsync(cancellationToken),
        };
    }

    /// <summary>Decodes column <paramref name="ordinal"/> of the current row; see <see cref="PgRow.Get{T}(int)"/> for NULL and type rules.</summary>
    /// <exception cref="InvalidCastException">The column cannot be read as <typeparamref name="T"/>.</exception>
    /// <exception cref="InvalidOperationException">There is no current row.</exception>
    public T Get<T>(int ordinal)
    {
        var description = CurrentRow(ordinal);
        if (!DataRow.TryGetColumnAt(_row.Span, _offsets[ordinal], out var value)) return ValueDecoder.Null<T>(description, ordinal);
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
    public T? GetJson<T>(int ordinal, System.Text.Json.JsonSerializerOptions? options = null)
    {
        var description = CurrentRow(ordinal);
        return DataRow.TryGetColumnAt(_row.Span, _offsets[ordinal], out var value)
            ? ValueDecoder.ReadJson<T>(description, ordinal, value, options)
            : default;
    }

    /// <summary>Decodes the column called <paramref name="name"/> of the current row.</summary>
    public T Get<T>(string name) => Get<T>(GetOrdinal(name));

    /// <summary>True when column <paramref name="ordinal"/> of the current row is SQL NULL.</summary>
    public bool IsNull(int ordinal)
    {
        CurrentRow(ordinal);
        return _offsets[ordinal] < 0;
    }

    /// <summary>True when the column called <paramref name="name"/> of the current row is SQL NULL.</summary>
    public bool IsNull(string name) => IsNull(GetOrdinal(name));

    /// <summary>The ordinal of the column called <paramref name="name"/> (exact match first, then ignoring case).</summary>
    /// <exception cref="IndexOutOfRangeException">No column has that name.</exception>
    public int GetOrdinal(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var ordinal = _description?.GetOrdinal(name) ?? -1;
        return ordinal >= 0 ? ordinal : throw new IndexOutOfRangeException($"The result has no column named '{name}'.");
    }

    /// <summary>
    /// Moves to the next statement's result, skipping what is left of the current one; false after the last. A
    /// server error in a later statement is thrown here or by <see cref="ReadAsync"/>.
    /// </summary>
    internal async ValueTask<bool> NextResultAsync(CancellationToken cancellationToken)
    {
        _onRow = false;
        if (_schemaOnly)
        {
            if (_statement + 1 >= _known.Length) return false;
            StartNextStatement();
            _resultDone = true;
            return true;
        }
        while (!IsResultDone) await ReadAsync(cancellationToken).ConfigureAwait(false);
        if (_completed || _statement + 1 >= _known.Length) return false;
        StartNextStatement();
        return true;
    }

    /// <summary>
    /// Reads what is left of this response into memory (the current row included), so that another request can run
    /// on the connection before the caller reads on; <see cref="ResumeAfterAside"/> must follow. Nothing is left for a
    /// response already complete.
    /// </summary>
    internal async ValueTask<bool> SetAsideRestAsync(CancellationToken cancellationToken)
    {
        // The current row is a view over the receive buffer, which the next read gives back to the pipe.
        if (_onRow) _row = _row.ToArray();
        if (_completed) return false;
        using (_connector.BeginCancellableRequest(cancellationToken, continuing: true))
        {
            await _connector.SetAsideResponseAsync().ConfigureAwait(false);
        }
        // A cancellation sent for this response is settled now, before another request's statement could meet it.
        await _connector.EndRequestAsync().ConfigureAwait(false);
        // The other request reads its answer with the connector's response reader: this response's place is kept.
        _asideState = _connector.Response.Save();
        return true;
    }

    private ResponseReader.State _asideState;

    /// <summary>After <see cref="SetAsideRestAsync"/> and the other request: reading goes on with the frames set aside.</summary>
    internal void ResumeAfterAside()
    {
        _connector.Response.Restore(_asideState);
        _asideState = default;
        _connector.ReplaySetAside();
    }

    /// <summary>Reads and discards the rows left, then frees the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _onRow = false;
        if (!_completed)
        {
            try
            {
                while (!_completed)
                {
                    switch (TakeBuffered())
                    {
                        case Step.ResultEnd:
                            if (_statement + 1 < _known.Length) StartNextStatement();
                            break;
                        case Step.NeedMore:
                            await _connector.FillAsync(CancellationToken.None).ConfigureAwait(false);
                            break;
                        case Step.Failed:
                            _completed = true;
                            break;
                        case Step.End:
                            _completed = true;
                            break;
                    }
                }
            }
            catch (PgWireException)
            {
                // The connection broke while discarding: the pool closes it. The caller had stopped reading anyway.
                _completed = true;
            }
            await _connector.EndRequestAsync().ConfigureAwait(false);
            await _release(_connector).ConfigureAwait(false);
        }
        _disposed = true;
        if (_reusable && _completed) _connector.SpareCursor = this;
    }

    /// <summary>Reads and discards the rows left, then frees the connection.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private enum Step { NeedMore, Row, ResultEnd, End, Failed }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ReadSlowAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                using (_connector.BeginCancellableRequest(cancellationToken, continuing: true))
                {
                    await _connector.FillAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }
            catch (PgWireException e)
            {
                _completed = true;
                await _connector.EndRequestAsync().ConfigureAwait(false);
                await _release(_connector).ConfigureAwait(false);
                if (e is not PostgresException && _connector.Cancellation.Reason != CancelReason.None) throw QueryRunner.CancellationOutcome(_connector, e, cancellationToken);
                throw;
            }
            switch (TakeBuffered())
            {
                case Step.Row: return true;
                case Step.ResultEnd: return false;
                case Step.End: return await FinishAsync(cancellationToken).ConfigureAwait(false);
                case Step.Failed: return await FailAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Takes the messages already received, through the connector's <see cref="ResponseReader"/> (which checks their
    /// order and counts), until a row, the end of a result or of the response, or the need for more bytes.
    /// </summary>
    private Step TakeBuffered()
    {
        try
        {
            var response = _connector.Response;
            while (_connector.TryTakeFrame(out var code, out var body))
            {
                switch (response.Next(code, body.Span))
                {
                    case ResponseStep.Row:
                        DataRow.ValidateAndIndex(body.Span, _offsets);
                        _row = body;
                        _onRow = true;
                        return Step.Row;
                    case ResponseStep.Described:
                        _description = response.Description;
                        _offsets = OffsetsFor(_description, _offsets);
                        _columns = null;
                        break;
                    case ResponseStep.ResultEnd:
                        var rows = response.RowsAffected;
                        if (rows > 0) RowsAffected += rows;
                        if (response.Modified) ModifiedRows = Math.Max(ModifiedRows, 0) + rows;
                        _resultDone = true;
                        // Later statements' results follow; after the last one only ReadyForQuery does.
                        if (_statement + 1 < _known.Length) return Step.ResultEnd;
                        break;
                    case ResponseStep.Error:
                        if (_error is null)
                        {
                            _error = response.Error!;
                            _error.StatementIndex = response.ErrorIndex;
                        }
                        break;
                    case ResponseStep.Ready:
                        _resultDone = true;
                        return Step.End;
                }
            }
            return Step.NeedMore;
        }
        catch (Exception e)
        {
            // A protocol violation (or a bug): the stream position can no longer be trusted.
            _connector.Break(null);
            _failure = ExceptionDispatchInfo.Capture(e);
            return Step.Failed;
        }
    }

    private void StartNextStatement()
    {
        _statement++;
        _description = _known[_statement];
        _offsets = OffsetsFor(_description, _offsets);
        _columns = null;
        _resultDone = false;
        RowsAffected = 0;
        ModifiedRows = -1;
    }

    private async ValueTask<bool> FailAsync()
    {
        _completed = true;
        await _connector.EndRequestAsync().ConfigureAwait(false);
        await _release(_connector).ConfigureAwait(false);
        _failure!.Throw();
        return false;
    }

    /// <summary>ReadyForQuery: the connection is free again; report a server error if one came.</summary>
    private async ValueTask<bool> FinishAsync(CancellationToken cancellationToken)
    {
        _completed = true;
        var error = _error;
        var outcome = error is null ? null : QueryRunner.Fail(_connector, error, cancellationToken);
        await _connector.EndRequestAsync().ConfigureAwait(false);
        await _release(_connector).ConfigureAwait(false);
        if (outcome is not null) throw outcome;
        return false;
    }

    private RowDescriptionInfo CurrentRow(int ordinal)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_onRow) throw new InvalidOperationException("There is no current row: call ReadAsync first and read columns only while it returned true.");
        var description = _description!;
        if ((uint)ordinal >= (uint)description.Count)
            throw new IndexOutOfRangeException($"Column ordinal {ordinal} is out of range: the row has {description.Count} columns.");
        return description;
    }
}

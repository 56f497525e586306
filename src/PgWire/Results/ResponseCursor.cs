using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using PgWire.Connection;
using PgWire.Protocol;

namespace PgWire.Results;

/// <summary>
/// Walks one response of a session straight from its receive buffer, for the streaming row reader: the results of
/// one or more statements sent in one round trip, through the connector's <see cref="ResponseReader"/> steps (row,
/// description, result end, error, ready). It indexes each row's columns (without decoding them), waits for more
/// bytes under the request's cancellation, counts rows per statement, attributes a server error to its statement
/// and reports it at ReadyForQuery, discards what is left when disposed, and can set the rest of the response aside
/// so that another request runs on the session first. It releases the session once, when the response ended.
/// </summary>
internal sealed class ResponseCursor
{
    private readonly PgConnector _connector;
    private Func<PgConnector, ValueTask> _release;
    private RowDescriptionInfo?[] _known;
    private int _statement;
    private bool _resultDone;
    private bool _completed;
    private bool _schemaOnly;
    private PgWireServerException? _error;
    private ExceptionDispatchInfo? _failure;
    private ResponseReader.State _asideState;

    public ResponseCursor(PgConnector connector, RowDescriptionInfo?[] knownDescriptions, Func<PgConnector, ValueTask> release, bool firstStatementBound)
    {
        _connector = connector;
        Start(knownDescriptions, release, firstStatementBound);
    }

    /// <summary>The session the response is read from.</summary>
    public PgConnector Connector => _connector;

    /// <summary>The current statement's result description (null for a statement without rows).</summary>
    public RowDescriptionInfo? Description { get; private set; }

    /// <summary>Per column of the current row, the offset of its length field in <see cref="Row"/>.</summary>
    public int[] Offsets { get; private set; }

    /// <summary>The current row's DataRow body: a view over the receive buffer, valid until the next read.</summary>
    public ReadOnlyMemory<byte> Row { get; private set; }

    /// <summary>True while a row is current.</summary>
    public bool OnRow { get; private set; }

    /// <summary>Described but not run (SchemaOnly): every result has columns and no rows.</summary>
    public void MarkSchemaOnly()
    {
        _schemaOnly = true;
        _resultDone = true;
        _completed = true;
    }

    /// <summary>Sets every piece of per-request state, for a new reader or for one reused by its connector.</summary>
    [System.Diagnostics.CodeAnalysis.MemberNotNull(nameof(_release), nameof(_known), nameof(Offsets))]
    public void Start(RowDescriptionInfo?[] knownDescriptions, Func<PgConnector, ValueTask> release, bool firstStatementBound)
    {
        // A streaming start read the first statement's BindComplete (and description) already, through the same reader.
        if (!firstStatementBound) _connector.Response.Begin(ResponseShape.Execute, knownDescriptions.Length, known: knownDescriptions);
        _release = release;
        _known = knownDescriptions;
        _statement = 0;
        Description = knownDescriptions[0];
        Offsets = OffsetsFor(Description, Offsets);
        Row = default;
        OnRow = _resultDone = _completed = _schemaOnly = false;
        _error = null;
        _failure = null;
        RowsAffected = 0;
        ModifiedRows = -1;
    }

    /// <summary>The per-column offsets array for a description: the current one when its size fits, none for no columns.</summary>
    private static int[] OffsetsFor(RowDescriptionInfo? description, int[]? current)
    {
        var count = description?.Count ?? 0;
        if (count == 0) return [];
        return current is not null && current.Length == count ? current : new int[count];
    }

    /// <summary>The number of rows the server reported for the statement once all rows were read; 0 before that.</summary>
    public long RowsAffected { get; private set; }

    /// <summary>Rows changed by INSERT, UPDATE, DELETE or MERGE in the current statement; -1 when it was none of them.</summary>
    public long ModifiedRows { get; private set; } = -1;

    /// <summary>True once the whole response ended (ReadyForQuery): the connection is free again.</summary>
    public bool IsCompleted => _completed;

    /// <summary>True once the current statement's result ended.</summary>
    public bool IsResultDone => _resultDone || _completed;

    /// <summary>The position of the current statement among those sent.</summary>
    public int StatementIndex => _statement;

    /// <summary>
    /// Moves to the next row; false when there are no more (the connection is then free again). A server error
    /// partway through the result is thrown here, after the connection was brought back to a usable state.
    /// </summary>
    /// <param name="cancellationToken">Cancels the statement on the server while waiting for rows.</param>
    public ValueTask<bool> ReadAsync(CancellationToken cancellationToken = default)
    {
        OnRow = false;
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

    /// <summary>
    /// Moves to the next statement's result, skipping what is left of the current one; false after the last. A
    /// server error in a later statement is thrown here or by <see cref="ReadAsync"/>.
    /// </summary>
    public async ValueTask<bool> NextResultAsync(CancellationToken cancellationToken)
    {
        OnRow = false;
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
    public async ValueTask<bool> SetAsideRestAsync(CancellationToken cancellationToken)
    {
        // The current row is a view over the receive buffer, which the next read gives back to the pipe.
        if (OnRow) Row = Row.ToArray();
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

    /// <summary>After <see cref="SetAsideRestAsync"/> and the other request: reading goes on with the frames set aside.</summary>
    public void ResumeAfterAside()
    {
        _connector.Response.Restore(_asideState);
        _asideState = default;
        _connector.ReplaySetAside();
    }

    /// <summary>Reads and discards what is left of the response, then releases the session; true when the response ended.</summary>
    public async ValueTask<bool> DiscardAsync()
    {
        OnRow = false;
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
        return _completed;
    }

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
                if (e is not PgWireServerException && _connector.Cancellation.Reason != CancelReason.None) throw QueryRunner.CancellationOutcome(_connector, e, cancellationToken);
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
                        DataRow.ValidateAndIndex(body.Span, Offsets);
                        Row = body;
                        OnRow = true;
                        return Step.Row;
                    case ResponseStep.Described:
                        Description = response.Description;
                        Offsets = OffsetsFor(Description, Offsets);
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
        Description = _known[_statement];
        Offsets = OffsetsFor(Description, Offsets);
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
        if (error is not null && PoolerCheck.IsNamedStatementError(error)) outcome = await PoolerCheck.ExplainIfPoolerAsync(_connector, error, outcome!).ConfigureAwait(false);
        await _release(_connector).ConfigureAwait(false);
        if (outcome is not null) throw outcome;
        return false;
    }
}

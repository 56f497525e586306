using PgWire.Buffers;
using PgWire.Protocol;

namespace PgWire.Connection;

/// <summary>What one query of a pipeline produced: its columns, where its rows are in the shared buffer, its count or error.</summary>
internal struct PipelineOutcome
{
    public RowDescriptionInfo? Description;
    public int FirstRow;
    public int RowCount;
    public long RowsAffected;

    /// <summary>Whether the statement changed rows (INSERT, UPDATE, DELETE, MERGE) rather than returned them.</summary>
    public bool Modified;
    public PostgresException? Error;
    public bool Completed;

    /// <summary>BindComplete arrived for the query.</summary>
    public bool Bound;

    /// <summary>The query's columns are known: RowDescription or NoData arrived, or they were known in advance.</summary>
    public bool Described;
}

/// <summary>
/// Reads the answers to a pipeline of Bind/[Describe]/Execute groups, in order: every query's rows go into one pooled
/// <see cref="RowBuffer"/> (copied unparsed, validated as they arrive), and each query's outcome is recorded by
/// index. With one Sync for the whole pipeline the first error ends it (the server skips the rest); with a Sync per
/// query each query succeeds or fails on its own, and the handler is done after as many ReadyForQuery messages as
/// queries.
/// </summary>
internal sealed class PipelineHandler : IFrameHandler
{
    private StatementDescription[] _statements = [];
    private bool _syncEach;
    private bool _collectRows = true;
    private int _index;
    private int _readyCount;

    public PipelineOutcome[] Outcomes { get; private set; } = [];

    public RowBuffer? Rows { get; private set; }

    /// <summary>Prepares for a pipeline of <paramref name="statements"/>.Length queries.</summary>
    /// <param name="statements">Per query, the statement it runs (its description is reused when the bytes match).</param>
    /// <param name="known">Per query, its result's description when known without a RowDescription.</param>
    /// <param name="syncEach">Whether every query was followed by its own Sync.</param>
    /// <param name="collectRows">Whether rows are kept (false: counted only, for a batch run for its row counts).</param>
    public void Reset(StatementDescription[] statements, RowDescriptionInfo?[] known, bool syncEach, bool collectRows = true)
    {
        _statements = statements;
        _syncEach = syncEach;
        _collectRows = collectRows;
        _index = 0;
        _readyCount = 0;
        Rows = null;
        Outcomes = new PipelineOutcome[statements.Length];
        for (var i = 0; i < known.Length; i++)
        {
            Outcomes[i].Description = known[i];
            Outcomes[i].Described = known[i] is not null; // otherwise the portal was described
        }
    }

    /// <summary>Hands the row buffer to the caller; the handler forgets it.</summary>
    public RowBuffer? TakeRows()
    {
        var rows = Rows;
        Rows = null;
        return rows;
    }

    public bool Handle(PgConnector connector, byte code, ReadOnlySpan<byte> body)
    {
        switch (code)
        {
            case BackendMessageCode.DataRow:
                ref var current = ref Current(code);
                var description = current.Description ?? throw new PgWireProtocolException("A DataRow arrived before any RowDescription.");
                if (!current.Bound) throw OutOfOrder(code);
                if (!_collectRows)
                {
                    DataRow.Validate(body, description.Count);
                    current.RowCount++;
                    return false;
                }
                Rows ??= RowBufferPool.Rent();
                if (current.RowCount == 0) current.FirstRow = Rows.RowCount;
                var columns = description.Count;
                DataRow.Store(body, columns, Rows.AppendRow(DataRow.StoredLength(body.Length, columns)));
                current.RowCount++;
                return false;
            case BackendMessageCode.RowDescription:
                ref var described = ref Current(code);
                if (!described.Bound || described.Described) throw OutOfOrder(code);
                OnRowDescription(connector, ref described, body);
                described.Described = true;
                return false;
            case BackendMessageCode.CommandComplete:
                ref var completed = ref Current(code);
                if (!completed.Bound || !completed.Described) throw OutOfOrder(code);
                if (CommandComplete.DropsPreparedStatements(body)) connector.Descriptions.Clear();
                var rows = CommandComplete.ParseAndCheck(body, completed.Description is not null, completed.RowCount, out var modified);
                completed.RowsAffected = Math.Max(rows, 0);
                completed.Modified = modified;
                completed.Completed = true;
                _index++;
                return false;
            case BackendMessageCode.EmptyQueryResponse:
                ref var empty = ref Current(code);
                // Only an empty statement, which has no columns and no rows, ends this way.
                if (!empty.Bound || !empty.Described || empty.Description is not null || empty.RowCount > 0) throw OutOfOrder(code);
                if (!body.IsEmpty) throw new PgWireProtocolException($"EmptyQueryResponse message should be empty but has {body.Length} bytes.");
                empty.Completed = true;
                _index++;
                return false;
            case BackendMessageCode.ParseComplete or BackendMessageCode.BindComplete or BackendMessageCode.CloseComplete
                or BackendMessageCode.NoData:
                if (!body.IsEmpty) throw new PgWireProtocolException($"{BackendMessageCode.Describe(code)} message should be empty but has {body.Length} bytes.");
                ref var step = ref Current(code);
                if (code == BackendMessageCode.NoData)
                {
                    if (!step.Bound || step.Described) throw OutOfOrder(code);
                    step.Described = true;
                }
                else if (step.Bound)
                {
                    throw OutOfOrder(code);
                }
                else if (code == BackendMessageCode.BindComplete)
                {
                    step.Bound = true;
                }
                return false;
            case BackendMessageCode.ErrorResponse:
                var error = new PostgresException(ErrorResponse.Parse(body));
                // An error belongs to the query running, or, once its CommandComplete came, to the commit at its Sync (a
                // deferred constraint): with a Sync per query that query's, with one Sync the last query's.
                var at = _syncEach ? _readyCount : Math.Min(_index, Outcomes.Length - 1);
                if (at >= Outcomes.Length)
                    throw new PgWireProtocolException($"The server reported an error after all {Outcomes.Length} queries of the pipeline had completed: {error.Message}");
                error.StatementIndex = at;
                Outcomes[at].Error ??= error;
                // The server now skips to the next Sync: this query's own (Sync per query) or the pipeline's end.
                if (_index == at) _index++;
                return false;
            case BackendMessageCode.ReadyForQuery:
                if (!_syncEach)
                {
                    // Every query answered, or the server skipped the rest after an error.
                    if (_index < Outcomes.Length && FirstError() is null)
                        throw new PgWireProtocolException($"ReadyForQuery arrived after {_index} of the pipeline's {Outcomes.Length} queries had completed, with no error; the connection is closed.");
                    return true;
                }
                // A query that failed at Bind never reached Execute; with a Sync per query it is done at its Sync.
                if (_readyCount < Outcomes.Length && _index <= _readyCount && Outcomes[_readyCount].Error is null)
                    throw new PgWireProtocolException($"ReadyForQuery arrived before query {_readyCount} of the pipeline completed; the connection is closed.");
                _readyCount++;
                if (_index < _readyCount) _index = _readyCount;
                return _readyCount >= Outcomes.Length;
            case BackendMessageCode.CopyInResponse or BackendMessageCode.CopyOutResponse or BackendMessageCode.CopyBothResponse:
                throw new PgWireProtocolException("A query of the pipeline started a COPY, which a pipeline cannot run; the connection is closed.");
            default:
                throw new PgWireProtocolException($"Unexpected {BackendMessageCode.Describe(code)} message in a pipeline's response.");
        }
    }

    private static PgWireProtocolException OutOfOrder(byte code) =>
        new($"The server sent {BackendMessageCode.Describe(code)} out of order in a pipeline's response; the connection is closed.");

    /// <summary>The first error of the pipeline, by query order.</summary>
    public PostgresException? FirstError()
    {
        foreach (var outcome in Outcomes)
            if (outcome.Error is not null) return outcome.Error;
        return null;
    }

    private ref PipelineOutcome Current(byte code)
    {
        if (_index >= Outcomes.Length)
            throw new PgWireProtocolException($"The server sent {BackendMessageCode.Describe(code)} after all {Outcomes.Length} queries of the pipeline had completed.");
        return ref Outcomes[_index];
    }

    private void OnRowDescription(PgConnector connector, ref PipelineOutcome outcome, ReadOnlySpan<byte> body)
    {
        var statement = _statements[_index];
        var cached = statement.LastRow;
        if (cached is not null && body.SequenceEqual(cached.RawBody))
        {
            outcome.Description = cached;
            return;
        }
        outcome.Description = new RowDescriptionInfo(body.ToArray(), RowDescription.Parse(body), connector.TypeRegistry);
        statement.LastRow = outcome.Description;
    }
}

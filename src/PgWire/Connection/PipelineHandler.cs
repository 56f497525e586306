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
    public PgWireServerException? Error;
    public bool Completed;
}

/// <summary>
/// Collects the answers to a pipeline of Bind/[Describe]/Execute groups, in order, from the steps of the connector's
/// <see cref="ResponseReader"/>: every query's rows go into one pooled <see cref="RowBuffer"/> (copied unparsed,
/// validated as they arrive), and each query's outcome is recorded by index. With one Sync for the whole pipeline the
/// first error ends it (the server skips the rest); with a Sync per query each query succeeds or fails on its own.
/// </summary>
internal sealed class PipelineHandler(ResponseReader response) : IFrameHandler
{
    private bool _collectRows = true;

    public PipelineOutcome[] Outcomes { get; private set; } = [];

    private CollectedRows _rows;
    private Diagnostics.ProgressReporter? _progress;
    private long _bytesAtStart;
    private int _answered;

    /// <summary>Prepares for a pipeline of <paramref name="statements"/>.Length queries.</summary>
    /// <param name="statements">Per query, the statement it runs (its description is reused when the bytes match).</param>
    /// <param name="known">Per query, its result's description when known without a RowDescription.</param>
    /// <param name="syncEach">Whether every query was followed by its own Sync.</param>
    /// <param name="collectRows">Whether rows are kept (false: counted only, for a batch run for its row counts).</param>
    /// <param name="progress">Told of the answers as they arrive (at a bounded rate); null for nobody.</param>
    /// <param name="bytesAtStart">The session's bytes received before the pipeline, for the progress's byte count.</param>
    public void Reset(
        StatementDescription[] statements, RowDescriptionInfo?[] known, bool syncEach, bool collectRows = true,
        Diagnostics.ProgressReporter? progress = null, long bytesAtStart = 0)
    {
        _progress = progress;
        _bytesAtStart = bytesAtStart;
        _answered = 0;
        response.Begin(ResponseShape.Execute, statements.Length, statements, known, syncEach);
        _collectRows = collectRows;
        _rows = default;
        Outcomes = new PipelineOutcome[statements.Length];
        for (var i = 0; i < known.Length; i++) Outcomes[i].Description = known[i];
    }

    /// <summary>Hands the row buffer to the caller; the handler forgets it.</summary>
    public RowBuffer? TakeRows() => _rows.Take();

    public bool Handle(PgConnector connector, byte code, ReadOnlySpan<byte> body)
    {
        switch (response.Next(code, body))
        {
            case ResponseStep.Row:
                ref var current = ref Outcomes[response.Index];
                var columns = response.Description!.Count;
                if (!_collectRows)
                {
                    DataRow.Validate(body, columns);
                    current.RowCount++;
                    return false;
                }
                if (current.RowCount == 0) current.FirstRow = _rows.Count;
                _rows.Add(body, columns);
                current.RowCount++;
                return false;
            case ResponseStep.Described:
                Outcomes[response.Index].Description = response.Description;
                return false;
            case ResponseStep.ResultEnd:
                ref var completed = ref Outcomes[response.Index];
                completed.RowsAffected = response.RowsAffected;
                completed.Modified = response.Modified;
                completed.Completed = true;
                _progress?.Tick(++_answered, connector.BytesReceived - _bytesAtStart);
                return false;
            case ResponseStep.Error:
                var error = response.Error!;
                error.StatementIndex = response.ErrorIndex;
                Outcomes[response.ErrorIndex].Error ??= error;
                return false;
            case ResponseStep.Ready:
                return response.IsComplete;
            default:
                return false;
        }
    }

    /// <summary>The first error of the pipeline, by query order.</summary>
    public PgWireServerException? FirstError()
    {
        foreach (var outcome in Outcomes)
            if (outcome.Error is not null) return outcome.Error;
        return null;
    }
}

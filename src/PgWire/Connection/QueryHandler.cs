using PgWire.Buffers;
using PgWire.Protocol;

namespace PgWire.Connection;

/// <summary>
/// Collects the response to Parse/Bind/Describe/Execute/Sync or to a simple Query: the row description, DataRow
/// bodies copied unparsed into a pooled <see cref="RowBuffer"/>, row counts, and the first error. Done at ReadyForQuery.
/// One instance per connector, reset for each request.
/// </summary>
internal sealed class QueryHandler(ResponseReader response) : IFrameHandler
{
    private bool _collectRows;

    public uint[]? ParameterTypes => response.ParameterTypes;

    /// <summary>The RowDescription received, or null after NoData / when none came.</summary>
    public RowDescriptionInfo? Description => response.Description;

    private CollectedRows _rows;

    public long RowsAffected { get; private set; }

    /// <summary>Rows changed by INSERT, UPDATE, DELETE or MERGE; -1 when no such command ran (ADO.NET's RecordsAffected).</summary>
    public long ModifiedRows { get; private set; } = -1;

    /// <summary>The request's first error, if any.</summary>
    public PgWireServerException? Error => response.FirstError;

    /// <summary>Prepares for a new response.</summary>
    /// <param name="statement">The statement whose cached row description may be reused, or null.</param>
    /// <param name="collectRows">Whether DataRow bodies are kept (a query) or only counted (a command).</param>
    /// <param name="knownDescription">The result's description when it is known without a RowDescription message.</param>
    /// <param name="shape">What was sent, and so which messages may answer it in which order (by default: an
    /// extended-protocol execution for a statement, a simple Query without one).</param>
    public void Reset(StatementDescription? statement, bool collectRows, RowDescriptionInfo? knownDescription = null, ResponseShape? shape = null)
    {
        response.BeginSingle(shape ?? (statement is null ? ResponseShape.SimpleQuery : ResponseShape.Execute), statement, knownDescription);
        _collectRows = collectRows;
        _rows = default;
        RowsAffected = 0;
        ModifiedRows = -1;
    }

    /// <summary>Hands the row buffer to the caller; the handler forgets it.</summary>
    public RowBuffer? TakeRows() => _rows.Take();

    public bool Handle(PgConnector connector, byte code, ReadOnlySpan<byte> body)
    {
        switch (response.Next(code, body))
        {
            case ResponseStep.Row:
                if (!_collectRows) return false;
                _rows.Add(body, response.Description!.Count);
                return false;
            case ResponseStep.ResultEnd:
                var rows = response.RowsAffected;
                if (rows > 0) RowsAffected += rows;
                if (response.Modified) ModifiedRows = Math.Max(ModifiedRows, 0) + rows;
                return false;
            case ResponseStep.Ready:
                return true;
            default:
                return false;
        }
    }
}

/// <summary>What a request sent, which decides the messages that may answer it and their order.</summary>
internal enum ResponseShape
{
    /// <summary>[Close...] [Parse] Bind [Describe portal] Execute Sync: [CloseComplete...] [ParseComplete] BindComplete [RowDescription | NoData] DataRow* CommandComplete | EmptyQueryResponse, ReadyForQuery.</summary>
    Execute,

    /// <summary>A simple Query: per statement [RowDescription DataRow*] CommandComplete, or EmptyQueryResponse; then ReadyForQuery.</summary>
    SimpleQuery,

    /// <summary>A simple Query that should start COPY ... FROM STDIN: CopyInResponse (then the client's data; CommandComplete, ReadyForQuery), or, for a statement that is no such COPY, a simple Query's answer.</summary>
    CopyIn,

    /// <summary>A simple Query that should start COPY ... TO STDOUT: CopyOutResponse, CopyData*, CopyDone, CommandComplete, ReadyForQuery, or a simple Query's answer.</summary>
    CopyOut,

    /// <summary>[Close...] Parse Describe(statement) Sync: [CloseComplete...] ParseComplete ParameterDescription RowDescription | NoData, ReadyForQuery.</summary>
    DescribeOnly,
}

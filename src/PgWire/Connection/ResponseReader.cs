using PgWire.Protocol;

namespace PgWire.Connection;

/// <summary>
/// The one reader of the messages that answer a request: it knows what was sent (<see cref="Begin"/>), checks that each
/// message may come where it comes, turns ErrorResponse into <see cref="PostgresException"/> (attributed to the
/// statement it belongs to), builds or reuses each result's <see cref="RowDescriptionInfo"/>, counts rows against
/// CommandComplete, and hands its caller one <see cref="ResponseStep"/> per message. Callers (the buffered query, the
/// pipeline, describe, the streaming reader) only act on steps: none of them switches over message codes.
/// One instance per connector, begun again for each request.
/// </summary>
internal sealed class ResponseReader
{
    private ResponseShape _shape;
    private int _count;                 // statements sent (a simple Query's count is not known: int.MaxValue)
    private bool _syncEach;             // a Sync after every statement (a pipeline of independent queries)
    private StatementDescription?[]? _statements;
    private RowDescriptionInfo?[]? _known;
    private StatementDescription? _single;
    private RowDescriptionInfo? _singleKnown;

    // The statement whose messages arrive now, and how far its answer has come.
    private bool _parsed;      // describe-only: its ParseComplete arrived
    private bool _bound;       // extended: its BindComplete arrived
    private bool _described;   // its columns are known: RowDescription, NoData, or in advance
    private bool _ended;       // its result ended: CommandComplete or EmptyQueryResponse
    private bool _inResult;    // simple Query: a RowDescription started a result whose CommandComplete has not come
    private bool _skipping;    // an error came: the server skips to the next Sync
    private bool _advance;     // the statement's answer is complete: the next message is the next statement's

    /// <summary>The position of the statement whose messages arrive now (the one a step is about).</summary>
    public int Index { get; private set; }

    /// <summary>ReadyForQuery messages received so far.</summary>
    public int ReadyCount { get; private set; }

    /// <summary>Whether the response is complete: every Sync was answered.</summary>
    public bool IsComplete { get; private set; }

    /// <summary>The current statement's columns (null after NoData, or before they are known).</summary>
    public RowDescriptionInfo? Description { get; private set; }

    /// <summary>The current statement's parameter types (ParameterDescription), when it was described.</summary>
    public uint[]? ParameterTypes { get; private set; }

    /// <summary>DataRows received for the current statement, checked against its CommandComplete.</summary>
    public long StatementRows { get; private set; }

    /// <summary>After <see cref="ResponseStep.ResultEnd"/>: the rows the statement reported (0 when it reports none).</summary>
    public long RowsAffected { get; private set; }

    /// <summary>After <see cref="ResponseStep.ResultEnd"/>: whether the statement changed rows (INSERT, UPDATE, DELETE, MERGE).</summary>
    public bool Modified { get; private set; }

    /// <summary>After <see cref="ResponseStep.Error"/>: the error.</summary>
    public PostgresException? Error { get; private set; }

    /// <summary>
    /// After <see cref="ResponseStep.Error"/>: the statement it belongs to (the one running, or, after its result ended,
    /// the one whose Sync committed: a deferred constraint). Callers that report positions set
    /// <see cref="PostgresException.StatementIndex"/> from it.
    /// </summary>
    public int ErrorIndex { get; private set; }

    /// <summary>
    /// Starts reading the answer to a request.
    /// </summary>
    /// <param name="shape">What was sent.</param>
    /// <param name="count">Statements sent (Execute, DescribeOnly); ignored for a simple Query.</param>
    /// <param name="statements">Per statement, the statement whose last RowDescription is reused when the bytes match (may be shorter, or null).</param>
    /// <param name="known">Per statement, its columns when known without a RowDescription (no Describe was sent).</param>
    /// <param name="syncEach">Whether a Sync followed every statement (each succeeds or fails on its own).</param>
    public void Begin(ResponseShape shape, int count = 1, StatementDescription?[]? statements = null, RowDescriptionInfo?[]? known = null, bool syncEach = false)
    {
        _shape = shape;
        _count = shape == ResponseShape.SimpleQuery ? int.MaxValue : count;
        _statements = statements;
        _known = known;
        _single = null;
        _singleKnown = null;
        _syncEach = syncEach;
        _advance = false;
        Index = 0;
        ReadyCount = 0;
        IsComplete = false;
        _skipping = false;
        Error = null;
        StartStatement();
    }

    /// <summary>Starts reading the answer to one statement (no arrays needed).</summary>
    public void BeginSingle(ResponseShape shape, StatementDescription? statement, RowDescriptionInfo? known)
    {
        Begin(shape);
        _single = statement;
        _singleKnown = known;
        StartStatement();
    }

    /// <summary>Checks one message of the response and says what it means for the caller.</summary>
    /// <remarks><paramref name="body"/> is valid only during the call (a Row step's bytes included).</remarks>
    /// <exception cref="PgWireProtocolException">A message that cannot come here (the caller breaks the connection).</exception>
    public ResponseStep Next(PgConnector connector, byte code, ReadOnlySpan<byte> body)
    {
        if (_advance)
        {
            _advance = false;
            Index++;
            StartStatement();
        }
        // After an error the server skips to Sync: only ReadyForQuery (or another error) may follow.
        if (_skipping && code is not (BackendMessageCode.ReadyForQuery or BackendMessageCode.ErrorResponse)) throw OutOfOrder(code);
        switch (code)
        {
            case BackendMessageCode.DataRow:
                if (Description is null) throw new PgWireProtocolException("A DataRow arrived before any RowDescription.");
                if (_shape == ResponseShape.SimpleQuery ? !_inResult : _shape == ResponseShape.DescribeOnly || !_bound || _ended) throw OutOfOrder(code);
                StatementRows++;
                return ResponseStep.Row;
            case BackendMessageCode.RowDescription:
                if (_shape switch
                    {
                        ResponseShape.SimpleQuery => _inResult,
                        ResponseShape.DescribeOnly => !_parsed || _described,
                        _ => !_bound || _described,
                    })
                    throw OutOfOrder(code);
                Description = Resolve(connector, body);
                _described = _inResult = true;
                StatementRows = 0;
                return DescribedStep();
            case BackendMessageCode.NoData:
                if (_shape == ResponseShape.SimpleQuery || _described || (_shape == ResponseShape.DescribeOnly ? !_parsed : !_bound)) throw OutOfOrder(code);
                ExpectEmpty(code, body);
                Description = null;
                _described = true;
                return DescribedStep();
            case BackendMessageCode.CommandComplete:
                if (_shape == ResponseShape.DescribeOnly || (_shape == ResponseShape.Execute && (!_bound || _ended || !_described))) throw OutOfOrder(code);
                if (CommandComplete.DropsPreparedStatements(body)) connector.Descriptions.Clear();
                var returnsRows = _shape == ResponseShape.SimpleQuery ? _inResult : Description is not null;
                var rows = CommandComplete.ParseAndCheck(body, returnsRows, StatementRows, out var modified);
                return EndResult(Math.Max(rows, 0), modified);
            case BackendMessageCode.EmptyQueryResponse:
                // Only an empty statement, which has no columns and no rows, ends this way.
                if (_shape == ResponseShape.DescribeOnly || _inResult
                    || (_shape == ResponseShape.Execute && (!_bound || !_described || _ended || Description is not null || StatementRows > 0)))
                    throw OutOfOrder(code);
                ExpectEmpty(code, body);
                return EndResult(0, false);
            case BackendMessageCode.ParameterDescription:
                if (NotBeforeDescribe()) throw OutOfOrder(code);
                ParameterTypes = ParameterDescription.Parse(body);
                return ResponseStep.Pending;
            case BackendMessageCode.ParseComplete or BackendMessageCode.CloseComplete:
                // Closes of evicted statements come first, then the statement's Parse, all before its Bind or Describe.
                if (NotBeforeDescribe()) throw OutOfOrder(code);
                ExpectEmpty(code, body);
                if (code == BackendMessageCode.ParseComplete) _parsed = true;
                return ResponseStep.Pending;
            case BackendMessageCode.BindComplete:
                if (_shape != ResponseShape.Execute || _bound) throw OutOfOrder(code);
                ExpectEmpty(code, body);
                _bound = true;
                return ResponseStep.Bound;
            case BackendMessageCode.ErrorResponse:
                return OnError(ErrorResponse.Parse(body));
            case BackendMessageCode.ReadyForQuery:
                return OnReady();
            case BackendMessageCode.CopyInResponse or BackendMessageCode.CopyOutResponse or BackendMessageCode.CopyBothResponse:
                throw new PgWireProtocolException("The statement started a COPY with the client, which runs through PgWireConnection.BeginBinaryImport, BeginBinaryExport, BeginTextImport, BeginTextExport or BeginRawCopy, not as a command; the connection is closed.");
            default:
                throw new PgWireProtocolException($"Unexpected {BackendMessageCode.Describe(code)} message in the response to a query.");
        }
    }

    /// <summary>Whether the statement's answer is past where Close, Parse and ParameterDescription answers may come.</summary>
    private bool NotBeforeDescribe() => _shape switch
    {
        ResponseShape.SimpleQuery => true,
        ResponseShape.DescribeOnly => _described || ParameterTypes is not null,
        _ => _bound,
    };

    /// <summary>Describe-only: a statement's description ends its answer; otherwise the columns are known now.</summary>
    private ResponseStep DescribedStep()
    {
        if (_shape == ResponseShape.DescribeOnly) Ended();
        return ResponseStep.Described;
    }

    private ResponseStep EndResult(long rows, bool modified)
    {
        RowsAffected = rows;
        Modified = modified;
        _inResult = false;
        Ended();
        return ResponseStep.ResultEnd;
    }

    /// <summary>
    /// The statement's answer is complete. Its facts stay readable until the next message, which belongs to the next
    /// statement (with one Sync for all; with a Sync each, its ReadyForQuery comes first). A simple Query's next
    /// statement starts counting rows afresh.
    /// </summary>
    private void Ended()
    {
        _ended = true;
        if (_shape == ResponseShape.SimpleQuery) StatementRows = 0;
        else if (!_syncEach && Index + 1 < _count) _advance = true;
    }

    private ResponseStep OnError(PgErrorFields fields)
    {
        var error = new PostgresException(fields);
        // An error belongs to the statement running, or, once its result ended, to the commit at its Sync (a deferred
        // constraint): with a Sync per statement that statement's, with one Sync the last one's.
        var at = _syncEach ? ReadyCount : Math.Min(Index, _count - 1);
        if (at >= _count)
            throw new PgWireProtocolException($"The server reported an error after all {_count} statements had completed: {error.Message}");
        ErrorIndex = at;
        Error = error;
        _skipping = true;
        return ResponseStep.Error;
    }

    private ResponseStep OnReady()
    {
        var failed = _skipping;
        _skipping = false;
        ReadyCount++;
        if (!_syncEach || _shape == ResponseShape.SimpleQuery)
        {
            if (!failed && (_shape == ResponseShape.SimpleQuery ? _inResult : !_ended || Index + 1 < _count))
                throw new PgWireProtocolException(_count == 1 || _shape == ResponseShape.SimpleQuery
                    ? "ReadyForQuery arrived before the statement's result was complete (no CommandComplete); the connection is closed."
                    : $"ReadyForQuery arrived after {Index + (_ended ? 1 : 0)} of the pipeline's {_count} queries had completed, with no error; the connection is closed.");
            IsComplete = true;
            return ResponseStep.Ready;
        }
        // A Sync per statement: this one ends statement ReadyCount - 1, which failed or completed.
        if (!failed && !_ended)
            throw new PgWireProtocolException($"ReadyForQuery arrived before statement {Index} of the pipeline completed; the connection is closed.");
        IsComplete = ReadyCount >= _count;
        if (!IsComplete)
        {
            Index = ReadyCount;
            StartStatement();
        }
        return ResponseStep.Ready;
    }

    private void StartStatement()
    {
        var known = _known is not null && Index < _known.Length ? _known[Index] : Index == 0 ? _singleKnown : null;
        _parsed = _bound = _ended = _inResult = false;
        _described = known is not null;
        Description = known;
        ParameterTypes = null;
        StatementRows = 0;
        RowsAffected = 0;
        Modified = false;
    }

    /// <summary>The RowDescription's resolved form: the statement's last one when the bytes are the same, else a new one.</summary>
    private RowDescriptionInfo Resolve(PgConnector connector, ReadOnlySpan<byte> body)
    {
        var statement = _statements is not null && Index < _statements.Length ? _statements[Index] : Index == 0 ? _single : null;
        var cached = statement?.LastRow;
        if (cached is not null && body.SequenceEqual(cached.RawBody)) return cached;
        var description = new RowDescriptionInfo(body.ToArray(), RowDescription.Parse(body), connector.TypeRegistry);
        if (statement is not null) statement.LastRow = description;
        return description;
    }

    private static void ExpectEmpty(byte code, ReadOnlySpan<byte> body)
    {
        if (!body.IsEmpty)
            throw new PgWireProtocolException($"{BackendMessageCode.Describe(code)} message should be empty but has {body.Length} bytes.");
    }

    private static PgWireProtocolException OutOfOrder(byte code) =>
        new($"The server sent {BackendMessageCode.Describe(code)} out of order in the response to a query; the connection is closed.");
}

/// <summary>What a message of a response means for the code reading it.</summary>
internal enum ResponseStep
{
    /// <summary>Taken and checked; nothing for the caller (ParseComplete, CloseComplete, ParameterDescription).</summary>
    Pending,

    /// <summary>BindComplete: the statement's portal exists.</summary>
    Bound,

    /// <summary>RowDescription or NoData: the statement's columns (<see cref="ResponseReader.Description"/>) are known.</summary>
    Described,

    /// <summary>A DataRow of the current statement (its bytes are the message body).</summary>
    Row,

    /// <summary>CommandComplete or EmptyQueryResponse: the statement's result ended.</summary>
    ResultEnd,

    /// <summary>An ErrorResponse (<see cref="ResponseReader.Error"/>): the server now skips to the next Sync.</summary>
    Error,

    /// <summary>ReadyForQuery: a Sync was answered (<see cref="ResponseReader.IsComplete"/> says whether it was the last).</summary>
    Ready,
}

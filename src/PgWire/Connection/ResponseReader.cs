using PgWire.Protocol;

namespace PgWire.Connection;

/// <summary>
/// The one reader of the messages that answer a request: it knows what was sent (<see cref="Begin"/>), checks that each
/// message may come where it comes, turns ErrorResponse into <see cref="PgWireServerException"/> (attributed to the
/// statement it belongs to), builds or reuses each result's <see cref="RowDescriptionInfo"/>, counts rows against
/// CommandComplete, and hands its caller one <see cref="ResponseStep"/> per message. Callers (the buffered query, the
/// pipeline, describe, the streaming reader) only act on steps: none of them switches over message codes.
/// One instance per connector, begun again for each request.
/// </summary>
/// <param name="types">Resolves the columns' types.</param>
/// <param name="statementsDropped">Called when a statement of the response dropped the session's prepared statements
/// (DISCARD ALL, DEALLOCATE ALL): the statement cache forgets them.</param>
internal sealed class ResponseReader(PgWire.Types.PgTypeRegistry types, Action statementsDropped)
{
    private State _s;

    /// <summary>
    /// Everything the reader knows about the response it reads: copied out and back in (<see cref="Save"/>,
    /// <see cref="Restore"/>) when another request runs while a response is set aside.
    /// </summary>
    internal struct State
    {
        public ResponseShape Shape;
        public int Count;                 // statements sent (a simple Query's count is not known: int.MaxValue)
        public bool SyncEach;             // a Sync after every statement (a pipeline of independent queries)
        public StatementDescription?[]? Statements;
        public RowDescriptionInfo?[]? Known;
        public StatementDescription? Single;
        public RowDescriptionInfo? SingleKnown;

        // The statement whose messages arrive now, and how far its answer has come.
        public bool Parsed;      // describe-only: its ParseComplete arrived
        public bool Bound;       // extended: its BindComplete arrived
        public bool Described;   // its columns are known: RowDescription, NoData, or in advance
        public bool Ended;       // its result ended: CommandComplete or EmptyQueryResponse
        public bool InResult;    // simple Query: a RowDescription started a result whose CommandComplete has not come
        public bool Skipping;    // an error came: the server skips to the next Sync
        public bool Advance;     // the statement's answer is complete: the next message is the next statement's
        public bool Copying;     // COPY: the server is in copy mode (CopyInResponse or CopyOutResponse came)
        public bool CopyDone;    // COPY ... TO STDOUT: CopyDone came
        public (bool Binary, int ColumnCount) CopyFormat;

        public int Index;
        public int ReadyCount;
        public bool IsComplete;
        public RowDescriptionInfo? Description;
        public uint[]? ParameterTypes;
        public long StatementRows;
        public long RowsAffected;
        public bool Modified;
        public PgWireServerException? Error;
        public PgWireServerException? FirstError;
        public int ErrorIndex;
    }

    /// <summary>After <see cref="ResponseStep.CopyStarted"/>: the COPY's format and column count.</summary>
    public (bool Binary, int ColumnCount) CopyFormat => _s.CopyFormat;

    private bool _watchFirstRow;

    /// <summary>
    /// Notes the time of the next DataRow in <see cref="FirstRowAt"/> (for a span's time to first row; only while one
    /// is recorded).
    /// </summary>
    public void WatchFirstRow()
    {
        _watchFirstRow = true;
        FirstRowAt = 0;
    }

    /// <summary>When the first DataRow since <see cref="WatchFirstRow"/> arrived (a <see cref="System.Diagnostics.Stopwatch"/> timestamp), else 0.</summary>
    public long FirstRowAt { get; private set; }

    /// <summary>The reader's state, to be restored after another request ran in between.</summary>
    public State Save() => _s;

    /// <summary>Puts back a state <see cref="Save"/> gave.</summary>
    public void Restore(in State state) => _s = state;

    /// <summary>The position of the statement whose messages arrive now (the one a step is about).</summary>
    public int Index => _s.Index;

    /// <summary>ReadyForQuery messages received so far.</summary>
    public int ReadyCount => _s.ReadyCount;

    /// <summary>Whether the response is complete: every Sync was answered.</summary>
    public bool IsComplete => _s.IsComplete;

    /// <summary>The current statement's columns (null after NoData, or before they are known).</summary>
    public RowDescriptionInfo? Description => _s.Description;

    /// <summary>The current statement's parameter types (ParameterDescription), when it was described.</summary>
    public uint[]? ParameterTypes => _s.ParameterTypes;

    /// <summary>DataRows received for the current statement, checked against its CommandComplete.</summary>
    public long StatementRows => _s.StatementRows;

    /// <summary>After <see cref="ResponseStep.ResultEnd"/>: the rows the statement reported (0 when it reports none).</summary>
    public long RowsAffected => _s.RowsAffected;

    /// <summary>After <see cref="ResponseStep.ResultEnd"/>: whether the statement changed rows (INSERT, UPDATE, DELETE, MERGE).</summary>
    public bool Modified => _s.Modified;

    /// <summary>After <see cref="ResponseStep.Error"/>: the error.</summary>
    public PgWireServerException? Error => _s.Error;

    /// <summary>
    /// The request's first error, if any (the server skips to Sync after it; with a Sync per statement later ones may
    /// follow): what a request that fails as a whole reports. Kept until the next request begins.
    /// </summary>
    public PgWireServerException? FirstError => _s.FirstError;

    /// <summary>
    /// After <see cref="ResponseStep.Error"/>: the statement it belongs to (the one running, or, after its result ended,
    /// the one whose Sync committed: a deferred constraint). Callers that report positions set
    /// <see cref="PgWireServerException.StatementIndex"/> from it.
    /// </summary>
    public int ErrorIndex => _s.ErrorIndex;

    /// <summary>
    /// Starts reading the answer to a request.
    /// </summary>
    /// <param name="shape">What was sent.</param>
    /// <param name="count">Statements sent (Execute, DescribeOnly); ignored for a simple Query.</param>
    /// <param name="statements">Per statement, the statement whose last RowDescription is reused when the bytes match (may be shorter, or null).</param>
    /// <param name="known">Per statement, its columns when known without a RowDescription (no Describe was sent).</param>
    /// <param name="syncEach">Whether a Sync followed every statement (each succeeds or fails on its own).</param>
    public void Begin(ResponseShape shape, int count = 1, StatementDescription?[]? statements = null, RowDescriptionInfo?[]? known = null, bool syncEach = false) =>
        Start(shape, count, statements, known, syncEach, null, null);

    /// <summary>Starts reading the answer to one statement (no arrays needed).</summary>
    public void BeginSingle(ResponseShape shape, StatementDescription? statement, RowDescriptionInfo? known) =>
        Start(shape, 1, null, null, false, statement, known);

    private void Start(
        ResponseShape shape, int count, StatementDescription?[]? statements, RowDescriptionInfo?[]? known, bool syncEach,
        StatementDescription? single, RowDescriptionInfo? singleKnown)
    {
        _s.Shape = shape;
        _s.Count = shape == ResponseShape.SimpleQuery ? int.MaxValue : count;
        _s.Statements = statements;
        _s.Known = known;
        _s.Single = single;
        _s.SingleKnown = singleKnown;
        _s.SyncEach = syncEach;
        _s.Advance = false;
        _s.Index = 0;
        _s.ReadyCount = 0;
        _s.IsComplete = false;
        _s.Skipping = false;
        _s.Copying = _s.CopyDone = false;
        _s.Error = _s.FirstError = null;
        StartStatement();
    }

    /// <summary>Checks one message of the response and says what it means for the caller.</summary>
    /// <remarks><paramref name="body"/> is valid only during the call (a Row step's bytes included).</remarks>
    /// <exception cref="PgWireProtocolException">A message that cannot come here (the caller breaks the connection).</exception>
    public ResponseStep Next(byte code, ReadOnlySpan<byte> body)
    {
        if (_s.Advance)
        {
            _s.Advance = false;
            _s.Index++;
            StartStatement();
        }
        // After an error the server skips to Sync: only ReadyForQuery (or another error) may follow.
        if (_s.Skipping && code is not (BackendMessageCode.ReadyForQuery or BackendMessageCode.ErrorResponse)) throw OutOfOrder(code);
        switch (code)
        {
            case BackendMessageCode.CopyData:
                if (!_s.Copying || _s.CopyDone || _s.Shape != ResponseShape.CopyOut) throw Unexpected(code);
                return ResponseStep.CopyData;
            case BackendMessageCode.CopyDone:
                if (!_s.Copying || _s.CopyDone || _s.Shape != ResponseShape.CopyOut) throw Unexpected(code);
                ExpectEmpty(code, body);
                _s.CopyDone = true;
                return ResponseStep.Pending;
            case BackendMessageCode.DataRow:
                if (_s.Copying) throw Unexpected(code);
                if (Description is null) throw new PgWireProtocolException("A DataRow arrived before any RowDescription.");
                if (IsSimple ? !_s.InResult : _s.Shape == ResponseShape.DescribeOnly || !_s.Bound || _s.Ended) throw OutOfOrder(code);
                _s.StatementRows++;
                if (_watchFirstRow)
                {
                    _watchFirstRow = false;
                    FirstRowAt = System.Diagnostics.Stopwatch.GetTimestamp();
                }
                return ResponseStep.Row;
            case BackendMessageCode.RowDescription:
                if (_s.Copying) throw Unexpected(code);
                if (_s.Shape switch
                    {
                        ResponseShape.SimpleQuery or ResponseShape.CopyIn or ResponseShape.CopyOut => _s.InResult,
                        ResponseShape.DescribeOnly => !_s.Parsed || _s.Described,
                        _ => !_s.Bound || _s.Described,
                    })
                    throw OutOfOrder(code);
                _s.Description = Resolve(body);
                _s.Described = _s.InResult = true;
                _s.StatementRows = 0;
                return DescribedStep();
            case BackendMessageCode.NoData:
                if (IsSimple || _s.Described || (_s.Shape == ResponseShape.DescribeOnly ? !_s.Parsed : !_s.Bound)) throw OutOfOrder(code);
                ExpectEmpty(code, body);
                _s.Description = null;
                _s.Described = true;
                return DescribedStep();
            case BackendMessageCode.CommandComplete:
                if (_s.Copying)
                {
                    // COPY n: the rows copied. COPY ... TO STDOUT ends its data with CopyDone first.
                    if (_s.Ended || (_s.Shape == ResponseShape.CopyOut && !_s.CopyDone)) throw Unexpected(code);
                    return EndResult(Math.Max(CommandComplete.ParseRows(body), 0), false);
                }
                if (_s.Shape == ResponseShape.DescribeOnly || (_s.Shape == ResponseShape.Execute && (!_s.Bound || _s.Ended || !_s.Described))) throw OutOfOrder(code);
                if (CommandComplete.DropsPreparedStatements(body)) statementsDropped();
                var returnsRows = IsSimple ? _s.InResult : Description is not null;
                var rows = CommandComplete.ParseAndCheck(body, returnsRows, StatementRows, out var modified);
                return EndResult(Math.Max(rows, 0), modified);
            case BackendMessageCode.EmptyQueryResponse:
                // Only an empty statement, which has no columns and no rows, ends this way.
                if (_s.Shape == ResponseShape.DescribeOnly || _s.InResult || _s.Copying
                    || (_s.Shape == ResponseShape.Execute && (!_s.Bound || !_s.Described || _s.Ended || Description is not null || StatementRows > 0)))
                    throw OutOfOrder(code);
                ExpectEmpty(code, body);
                return EndResult(0, false);
            case BackendMessageCode.ParameterDescription:
                if (NotBeforeDescribe()) throw OutOfOrder(code);
                _s.ParameterTypes = ParameterDescription.Parse(body);
                return ResponseStep.Pending;
            case BackendMessageCode.ParseComplete or BackendMessageCode.CloseComplete:
                // Closes of evicted statements come first, then the statement's Parse, all before its Bind or Describe.
                if (NotBeforeDescribe()) throw OutOfOrder(code);
                ExpectEmpty(code, body);
                if (code == BackendMessageCode.ParseComplete) _s.Parsed = true;
                return ResponseStep.Pending;
            case BackendMessageCode.BindComplete:
                if (_s.Shape != ResponseShape.Execute || _s.Bound) throw OutOfOrder(code);
                ExpectEmpty(code, body);
                _s.Bound = true;
                return ResponseStep.Bound;
            case BackendMessageCode.ErrorResponse:
                return OnError(ErrorResponse.Parse(body));
            case BackendMessageCode.ReadyForQuery:
                return OnReady();
            case BackendMessageCode.CopyInResponse or BackendMessageCode.CopyOutResponse or BackendMessageCode.CopyBothResponse:
                if (_s.Shape is not (ResponseShape.CopyIn or ResponseShape.CopyOut))
                    throw new PgWireProtocolException("The statement started a COPY with the client, which runs through PgWireConnection.BeginBinaryImport, BeginBinaryExport, BeginTextImport, BeginTextExport or BeginRawCopy, not as a command; the connection is closed.");
                if (_s.Copying || _s.InResult) throw OutOfOrder(code);
                if (code != (_s.Shape == ResponseShape.CopyIn ? BackendMessageCode.CopyInResponse : BackendMessageCode.CopyOutResponse))
                    // The other direction (or replication's CopyBoth): the session would wait for data nobody sends.
                    throw new PgWireProtocolException(
                        $"The statement started a COPY in the other direction ({BackendMessageCode.Describe(code)}) than asked for; the connection is closed.");
                _s.CopyFormat = CopyResponse.Parse(body, code == BackendMessageCode.CopyInResponse ? "CopyInResponse" : "CopyOutResponse");
                _s.Copying = true;
                return ResponseStep.CopyStarted;
            default:
                throw Unexpected(code);
        }
    }

    /// <summary>A simple Query (a script, or the statement that should start a COPY): statements come one after another.</summary>
    private bool IsSimple => _s.Shape is ResponseShape.SimpleQuery or ResponseShape.CopyIn or ResponseShape.CopyOut;

    private PgWireProtocolException Unexpected(byte code) => new(_s.Copying
        ? $"Unexpected {BackendMessageCode.Describe(code)} message during COPY ... {(_s.Shape == ResponseShape.CopyIn ? "FROM STDIN" : "TO STDOUT")}."
        : $"Unexpected {BackendMessageCode.Describe(code)} message in the response to a query.");

    /// <summary>Whether the statement's answer is past where Close, Parse and ParameterDescription answers may come.</summary>
    private bool NotBeforeDescribe() => _s.Shape switch
    {
        ResponseShape.SimpleQuery or ResponseShape.CopyIn or ResponseShape.CopyOut => true,
        ResponseShape.DescribeOnly => _s.Described || ParameterTypes is not null,
        _ => _s.Bound,
    };

    /// <summary>Describe-only: a statement's description ends its answer; otherwise the columns are known now.</summary>
    private ResponseStep DescribedStep()
    {
        if (_s.Shape == ResponseShape.DescribeOnly) Ended();
        return ResponseStep.Described;
    }

    private ResponseStep EndResult(long rows, bool modified)
    {
        _s.RowsAffected = rows;
        _s.Modified = modified;
        _s.InResult = false;
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
        _s.Ended = true;
        if (IsSimple) _s.StatementRows = 0;
        else if (!_s.SyncEach && Index + 1 < _s.Count) _s.Advance = true;
    }

    private ResponseStep OnError(PgErrorFields fields)
    {
        var error = new PgWireServerException(fields);
        // An error belongs to the statement running, or, once its result ended, to the commit at its Sync (a deferred
        // constraint): with a Sync per statement that statement's, with one Sync the last one's.
        var at = _s.SyncEach ? ReadyCount : Math.Min(Index, _s.Count - 1);
        if (at >= _s.Count)
            throw new PgWireProtocolException($"The server reported an error after all {_s.Count} statements had completed: {error.Message}");
        _s.ErrorIndex = at;
        _s.Error = error;
        _s.FirstError ??= error;
        _s.Skipping = true;
        return ResponseStep.Error;
    }

    private ResponseStep OnReady()
    {
        var failed = _s.Skipping;
        _s.Skipping = false;
        _s.ReadyCount++;
        if (_s.Copying && !failed)
        {
            if (_s.Shape == ResponseShape.CopyOut && !_s.CopyDone) throw new PgWireProtocolException("The server ended the COPY without CopyDone.");
            if (!_s.Ended) throw new PgWireProtocolException("The server ended the COPY without CommandComplete.");
        }
        if (!_s.SyncEach || IsSimple)
        {
            if (!failed && (IsSimple ? _s.InResult : !_s.Ended || Index + 1 < _s.Count))
                throw new PgWireProtocolException(_s.Count == 1 || IsSimple
                    ? "ReadyForQuery arrived before the statement's result was complete (no CommandComplete); the connection is closed."
                    : $"ReadyForQuery arrived after {Index + (_s.Ended ? 1 : 0)} of the pipeline's {_s.Count} queries had completed, with no error; the connection is closed.");
            _s.IsComplete = true;
            return ResponseStep.Ready;
        }
        // A Sync per statement: this one ends statement ReadyCount - 1, which failed or completed.
        if (!failed && !_s.Ended)
            throw new PgWireProtocolException($"ReadyForQuery arrived before statement {Index} of the pipeline completed; the connection is closed.");
        _s.IsComplete = ReadyCount >= _s.Count;
        if (!IsComplete)
        {
            _s.Index = ReadyCount;
            StartStatement();
        }
        return ResponseStep.Ready;
    }

    private void StartStatement()
    {
        var known = _s.Known is not null && Index < _s.Known.Length ? _s.Known[Index] : Index == 0 ? _s.SingleKnown : null;
        _s.Parsed = _s.Bound = _s.Ended = _s.InResult = false;
        _s.Described = known is not null;
        _s.Description = known;
        _s.ParameterTypes = null;
        _s.StatementRows = 0;
        _s.RowsAffected = 0;
        _s.Modified = false;
    }

    /// <summary>The RowDescription's resolved form: the statement's last one when the bytes are the same, else a new one.</summary>
    private RowDescriptionInfo Resolve(ReadOnlySpan<byte> body)
    {
        var statement = _s.Statements is not null && Index < _s.Statements.Length ? _s.Statements[Index] : Index == 0 ? _s.Single : null;
        var cached = statement?.LastRow;
        if (cached is not null && body.SequenceEqual(cached.RawBody)) return cached;
        var description = new RowDescriptionInfo(body.ToArray(), RowDescription.Parse(body), types);
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

    /// <summary>CopyInResponse or CopyOutResponse in the direction asked for (<see cref="ResponseReader.CopyFormat"/>).</summary>
    CopyStarted,

    /// <summary>A CopyData message of COPY ... TO STDOUT (its payload is the message body).</summary>
    CopyData,
}

using PgWire.Buffers;
using PgWire.Protocol;

namespace PgWire.Connection;

/// <summary>
/// Collects the response to Parse/Bind/Describe/Execute/Sync or to a simple Query: the row description, DataRow
/// bodies copied unparsed into a pooled <see cref="RowBuffer"/>, row counts, and the first error. Done at ReadyForQuery.
/// One instance per connector, reset for each request.
/// </summary>
internal sealed class QueryHandler : IFrameHandler
{
    private StatementDescription? _statement;
    private bool _collectRows;
    private ResponseShape _shape;
    private bool _bound;       // extended: BindComplete arrived
    private bool _described;   // the statement's columns are known (RowDescription, NoData, or in advance)
    private bool _inResult;    // simple: a RowDescription started a result whose CommandComplete has not come
    private bool _completed;   // extended: CommandComplete or EmptyQueryResponse arrived
    private long _statementRows;

    public uint[]? ParameterTypes { get; private set; }

    /// <summary>The RowDescription received, or null after NoData / when none came.</summary>
    public RowDescriptionInfo? Description { get; private set; }

    public RowBuffer? Rows { get; private set; }

    public long RowsAffected { get; private set; }

    /// <summary>Rows changed by INSERT, UPDATE, DELETE or MERGE; -1 when no such command ran (ADO.NET's RecordsAffected).</summary>
    public long ModifiedRows { get; private set; } = -1;

    public PostgresException? Error { get; private set; }

    /// <summary>Prepares for a new response.</summary>
    /// <param name="statement">The statement whose cached row description may be reused, or null.</param>
    /// <param name="collectRows">Whether DataRow bodies are kept (a query) or only counted (a command).</param>
    /// <param name="knownDescription">The result's description when it is known without a RowDescription message.</param>
    /// <param name="shape">What was sent, and so which messages may answer it in which order (by default: an
    /// extended-protocol execution for a statement, a simple Query without one).</param>
    public void Reset(StatementDescription? statement, bool collectRows, RowDescriptionInfo? knownDescription = null, ResponseShape? shape = null)
    {
        _statement = statement;
        _collectRows = collectRows;
        _shape = shape ?? (statement is null ? ResponseShape.SimpleQuery : ResponseShape.Execute);
        _bound = _inResult = _completed = false;
        _described = knownDescription is not null;
        _statementRows = 0;
        ParameterTypes = null;
        Description = knownDescription;
        Rows = null;
        RowsAffected = 0;
        ModifiedRows = -1;
        Error = null;
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
        // After an error the server skips to Sync: only ReadyForQuery (or another error) may follow.
        if (Error is not null && code is not (BackendMessageCode.ReadyForQuery or BackendMessageCode.ErrorResponse)) throw OutOfOrder(code);
        switch (code)
        {
            case BackendMessageCode.DataRow:
                OnDataRow(body);
                return false;
            case BackendMessageCode.RowDescription:
                if (_shape == ResponseShape.SimpleQuery ? _inResult : _described || (_shape == ResponseShape.Execute && (!_bound || _completed)))
                    throw OutOfOrder(code);
                OnRowDescription(connector, body);
                _described = _inResult = true;
                _statementRows = 0;
                return false;
            case BackendMessageCode.NoData:
                if (_shape == ResponseShape.SimpleQuery || _described || (_shape == ResponseShape.Execute && (!_bound || _completed))) throw OutOfOrder(code);
                ExpectEmpty(code, body);
                Description = null;
                _described = true;
                return false;
            case BackendMessageCode.CommandComplete:
                OnCommandComplete(connector, body);
                return false;
            case BackendMessageCode.EmptyQueryResponse:
                // Only an empty statement, which has no columns and no rows, ends this way.
                if (_shape == ResponseShape.DescribeOnly || (_shape == ResponseShape.Execute && (!_bound || _completed || Description is not null)) || _inResult)
                    throw OutOfOrder(code);
                ExpectEmpty(code, body);
                _completed = true;
                return false;
            case BackendMessageCode.ParameterDescription:
                if (_shape == ResponseShape.SimpleQuery || _bound || ParameterTypes is not null) throw OutOfOrder(code);
                ParameterTypes = ParameterDescription.Parse(body);
                return false;
            case BackendMessageCode.ParseComplete or BackendMessageCode.CloseComplete:
                if (_shape == ResponseShape.SimpleQuery || _bound || (_shape == ResponseShape.DescribeOnly && (_described || ParameterTypes is not null)))
                    throw OutOfOrder(code);
                ExpectEmpty(code, body);
                return false;
            case BackendMessageCode.BindComplete:
                if (_shape != ResponseShape.Execute || _bound) throw OutOfOrder(code);
                ExpectEmpty(code, body);
                _bound = true;
                return false;
            case BackendMessageCode.ErrorResponse:
                // After an error the server skips to Sync; keep the first error and wait for ReadyForQuery.
                Error ??= new PostgresException(ErrorResponse.Parse(body));
                return false;
            case BackendMessageCode.ReadyForQuery:
                if (Error is null && (_shape switch
                    {
                        ResponseShape.Execute => !_completed,
                        ResponseShape.DescribeOnly => !_described,
                        _ => _inResult,
                    }))
                    throw new PgWireProtocolException("ReadyForQuery arrived before the statement's result was complete (no CommandComplete); the connection is closed.");
                return true;
            case BackendMessageCode.CopyInResponse or BackendMessageCode.CopyOutResponse or BackendMessageCode.CopyBothResponse:
                throw new PgWireProtocolException("The statement started a COPY with the client, which runs through PgWireConnection.BeginBinaryImport, BeginBinaryExport, BeginTextImport, BeginTextExport or BeginRawCopy, not as a command; the connection is closed.");
            default:
                throw new PgWireProtocolException($"Unexpected {BackendMessageCode.Describe(code)} message in a query response.");
        }
    }

    private static PgWireProtocolException OutOfOrder(byte code) =>
        new($"The server sent {BackendMessageCode.Describe(code)} out of order in a query response; the connection is closed.");

    private void OnCommandComplete(PgConnector connector, ReadOnlySpan<byte> body)
    {
        if (_shape == ResponseShape.DescribeOnly || (_shape == ResponseShape.Execute && (!_bound || _completed || !_described))) throw OutOfOrder(BackendMessageCode.CommandComplete);
        if (CommandComplete.DropsPreparedStatements(body)) connector.Descriptions.Clear();
        var returnsRows = _shape == ResponseShape.SimpleQuery ? _inResult : Description is not null;
        var rows = CommandComplete.ParseAndCheck(body, returnsRows, _statementRows, out var modification);
        if (rows > 0) RowsAffected += rows;
        if (modification) ModifiedRows = Math.Max(ModifiedRows, 0) + rows;
        _completed = true;
        _inResult = false;
        _statementRows = 0;
    }

    private void OnRowDescription(PgConnector connector, ReadOnlySpan<byte> body)
    {
        var cached = _statement?.LastRow;
        if (cached is not null && body.SequenceEqual(cached.RawBody))
        {
            Description = cached;
            return;
        }
        var description = new RowDescriptionInfo(body.ToArray(), RowDescription.Parse(body), connector.TypeRegistry);
        Description = description;
        if (_statement is not null) _statement.LastRow = description;
    }

    private void OnDataRow(ReadOnlySpan<byte> body)
    {
        if (Description is null) throw new PgWireProtocolException("A DataRow arrived before any RowDescription.");
        if (_shape == ResponseShape.SimpleQuery ? !_inResult : _shape == ResponseShape.DescribeOnly || !_bound || _completed)
            throw OutOfOrder(BackendMessageCode.DataRow);
        _statementRows++;
        if (!_collectRows) return;
        Rows ??= RowBufferPool.Rent();
        var columns = Description.Count;
        DataRow.Store(body, columns, Rows.AppendRow(DataRow.StoredLength(body.Length, columns)));
    }

    private static void ExpectEmpty(byte code, ReadOnlySpan<byte> body)
    {
        if (!body.IsEmpty)
            throw new PgWireProtocolException($"{BackendMessageCode.Describe(code)} message should be empty but has {body.Length} bytes.");
    }
}

/// <summary>What a request sent, which decides the messages that may answer it and their order.</summary>
internal enum ResponseShape
{
    /// <summary>[Close...] [Parse] Bind [Describe portal] Execute Sync: [CloseComplete...] [ParseComplete] BindComplete [RowDescription | NoData] DataRow* CommandComplete | EmptyQueryResponse, ReadyForQuery.</summary>
    Execute,

    /// <summary>A simple Query: per statement [RowDescription DataRow*] CommandComplete, or EmptyQueryResponse; then ReadyForQuery.</summary>
    SimpleQuery,

    /// <summary>[Close...] Parse Describe(statement) Sync: [CloseComplete...] ParseComplete ParameterDescription RowDescription | NoData, ReadyForQuery.</summary>
    DescribeOnly,
}

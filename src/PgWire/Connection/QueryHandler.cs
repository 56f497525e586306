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
    public void Reset(StatementDescription? statement, bool collectRows, RowDescriptionInfo? knownDescription = null)
    {
        _statement = statement;
        _collectRows = collectRows;
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
        switch (code)
        {
            case BackendMessageCode.DataRow:
                OnDataRow(body);
                return false;
            case BackendMessageCode.RowDescription:
                OnRowDescription(connector, body);
                return false;
            case BackendMessageCode.CommandComplete:
                if (CommandComplete.DropsPreparedStatements(body)) connector.Descriptions.Clear();
                var rows = CommandComplete.ParseRows(body, out var modification);
                if (rows > 0) RowsAffected += rows;
                if (modification) ModifiedRows = Math.Max(ModifiedRows, 0) + rows;
                return false;
            case BackendMessageCode.ParameterDescription:
                ParameterTypes = ParameterDescription.Parse(body);
                return false;
            case BackendMessageCode.ParseComplete or BackendMessageCode.BindComplete or BackendMessageCode.CloseComplete
                or BackendMessageCode.NoData or BackendMessageCode.EmptyQueryResponse or BackendMessageCode.PortalSuspended:
                ExpectEmpty(code, body);
                return false;
            case BackendMessageCode.ErrorResponse:
                // After an error the server skips to Sync; keep the first error and wait for ReadyForQuery.
                Error ??= new PostgresException(ErrorResponse.Parse(body));
                return false;
            case BackendMessageCode.ReadyForQuery:
                return true;
            case BackendMessageCode.CopyInResponse or BackendMessageCode.CopyOutResponse or BackendMessageCode.CopyBothResponse:
                throw new PgWireProtocolException("The statement started a COPY with the client, which runs through PgWireConnection.BeginBinaryImport, BeginBinaryExport, BeginTextImport, BeginTextExport or BeginRawCopy, not as a command; the connection is closed.");
            default:
                throw new PgWireProtocolException($"Unexpected {BackendMessageCode.Describe(code)} message in a query response.");
        }
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

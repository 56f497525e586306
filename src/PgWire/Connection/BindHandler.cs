using PgWire.Protocol;

namespace PgWire.Connection;

/// <summary>
/// Reads the start of a response up to BindComplete (and, when the portal was described, its RowDescription or
/// NoData), so a streaming read knows the statement was bound and its columns before it hands out a reader. On an
/// error the server skips to Sync: the error is kept and the handler ends at ReadyForQuery.
/// </summary>
internal sealed class BindHandler : IFrameHandler
{
    private bool _expectDescription;
    private bool _bound;
    private StatementDescription? _statement;

    public PostgresException? Error { get; private set; }

    /// <summary>The portal's columns, when it was described (null for a statement without a result).</summary>
    public RowDescriptionInfo? Description { get; private set; }

    /// <param name="statement">The statement bound, whose last description is reused when the bytes match.</param>
    /// <param name="expectDescription">Whether a Describe of the portal follows the Bind.</param>
    public void Reset(StatementDescription? statement = null, bool expectDescription = false)
    {
        Error = null;
        Description = null;
        _bound = false;
        _statement = statement;
        _expectDescription = expectDescription;
    }

    public bool Handle(PgConnector connector, byte code, ReadOnlySpan<byte> body)
    {
        switch (code)
        {
            case BackendMessageCode.ParseComplete or BackendMessageCode.CloseComplete:
                return false;
            case BackendMessageCode.BindComplete:
                _bound = true;
                return Error is null && !_expectDescription;
            case BackendMessageCode.RowDescription when _bound:
                var cached = _statement?.LastRow;
                Description = cached is not null && body.SequenceEqual(cached.RawBody)
                    ? cached
                    : new RowDescriptionInfo(body.ToArray(), RowDescription.Parse(body), connector.TypeRegistry);
                if (_statement is not null) _statement.LastRow = Description;
                return Error is null;
            case BackendMessageCode.NoData when _bound:
                return Error is null;
            case BackendMessageCode.ErrorResponse:
                Error ??= new PostgresException(ErrorResponse.Parse(body));
                return false;
            case BackendMessageCode.ReadyForQuery:
                return true;
            default:
                throw new PgWireProtocolException($"Unexpected {BackendMessageCode.Describe(code)} message before BindComplete.");
        }
    }
}

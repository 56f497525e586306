using PgWire.Protocol;

namespace PgWire.Connection;

/// <summary>
/// Reads the start of a response up to BindComplete, so a streaming read knows the statement was bound before it
/// hands out a reader. On an error the server skips to Sync: the error is kept and the handler ends at ReadyForQuery.
/// </summary>
internal sealed class BindHandler : IFrameHandler
{
    public PostgresException? Error { get; private set; }

    public void Reset() => Error = null;

    public bool Handle(PgConnector connector, byte code, ReadOnlySpan<byte> body)
    {
        switch (code)
        {
            case BackendMessageCode.ParseComplete or BackendMessageCode.CloseComplete:
                return false;
            case BackendMessageCode.BindComplete:
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

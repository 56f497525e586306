using PgWire.Protocol;

namespace PgWire.Connection;

/// <summary>
/// Collects the answers to several Parse/Describe(statement) pairs ended by one Sync: per statement its parameter
/// types and result description (null after NoData). On an error the server skips to Sync; the handler notes which
/// statement failed.
/// </summary>
internal sealed class DescribeHandler : IFrameHandler
{
    private uint[]? _parameterTypes;
    private bool _awaitingDescription;

    public List<(uint[] ParameterTypes, RowDescriptionInfo? Description)> Described { get; } = [];

    public PostgresException? Error { get; private set; }

    /// <summary>The position (among the statements sent) of the one that failed.</summary>
    public int FailedIndex { get; private set; } = -1;

    public void Reset()
    {
        Described.Clear();
        Error = null;
        FailedIndex = -1;
        _parameterTypes = null;
        _awaitingDescription = false;
    }

    public bool Handle(PgConnector connector, byte code, ReadOnlySpan<byte> body)
    {
        switch (code)
        {
            case BackendMessageCode.ParseComplete:
                _awaitingDescription = true;
                _parameterTypes = null;
                return false;
            case BackendMessageCode.CloseComplete:
                return false;
            case BackendMessageCode.ParameterDescription:
                _parameterTypes = ParameterDescription.Parse(body);
                return false;
            case BackendMessageCode.RowDescription:
                Complete(new RowDescriptionInfo(body.ToArray(), RowDescription.Parse(body), connector.TypeRegistry));
                return false;
            case BackendMessageCode.NoData:
                Complete(null);
                return false;
            case BackendMessageCode.ErrorResponse:
                if (Error is null)
                {
                    Error = new PostgresException(ErrorResponse.Parse(body));
                    // The statements before it were all described, whether its Parse or its Describe failed.
                    FailedIndex = Described.Count;
                }
                return false;
            case BackendMessageCode.ReadyForQuery:
                return true;
            default:
                throw new PgWireProtocolException($"Unexpected {BackendMessageCode.Describe(code)} message while preparing statements.");
        }
    }

    private void Complete(RowDescriptionInfo? description)
    {
        if (!_awaitingDescription) throw new PgWireProtocolException("A statement description arrived without its ParseComplete.");
        Described.Add((_parameterTypes ?? [], description));
        _awaitingDescription = false;
    }
}

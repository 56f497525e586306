namespace PgWire.Connection;

/// <summary>
/// Collects the answers to several Parse/Describe(statement) pairs ended by one Sync, from the steps of the connector's
/// <see cref="ResponseReader"/>: per statement its parameter types and result description (null after NoData). On an
/// error the server skips to Sync; the handler notes which statement failed.
/// </summary>
internal sealed class DescribeHandler(ResponseReader response) : IFrameHandler
{
    public List<(uint[] ParameterTypes, RowDescriptionInfo? Description)> Described { get; } = [];

    public PgWireServerException? Error { get; private set; }

    /// <summary>The position (among the statements sent) of the one that failed.</summary>
    public int FailedIndex { get; private set; } = -1;

    /// <summary>Prepares for the answers to <paramref name="count"/> Parse/Describe pairs.</summary>
    public void Reset(int count)
    {
        response.Begin(ResponseShape.DescribeOnly, count);
        Described.Clear();
        Error = null;
        FailedIndex = -1;
    }

    public bool Handle(PgConnector connector, byte code, ReadOnlySpan<byte> body)
    {
        switch (response.Next(code, body))
        {
            case ResponseStep.Described:
                Described.Add((response.ParameterTypes ?? [], response.Description));
                return false;
            case ResponseStep.Error:
                if (Error is null)
                {
                    Error = response.Error;
                    // The statements before it were all described, whether its Parse or its Describe failed.
                    FailedIndex = Described.Count;
                }
                return false;
            case ResponseStep.Ready:
                return true;
            default:
                return false;
        }
    }
}

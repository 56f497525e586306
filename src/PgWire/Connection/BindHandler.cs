namespace PgWire.Connection;

/// <summary>
/// Reads the start of a response up to BindComplete (and, when the portal was described, its RowDescription or
/// NoData), so a streaming read knows the statement was bound and its columns before it hands out a reader; the rest of
/// the response is read on from the same <see cref="ResponseReader"/>. On an error the server skips to Sync: the error
/// is kept and the handler ends at ReadyForQuery.
/// </summary>
internal sealed class BindHandler(ResponseReader response) : IFrameHandler
{
    private bool _known;

    /// <summary>The request's first error, if any.</summary>
    public PgWireServerException? Error => response.FirstError;

    /// <summary>The portal's columns (known in advance, or from its RowDescription; null for a statement without a result).</summary>
    public RowDescriptionInfo? Description => response.Description;

    /// <param name="statement">The statement bound, whose last description is reused when the bytes match.</param>
    /// <param name="known">The result's columns when known in advance (no Describe of the portal follows the Bind).</param>
    public void Reset(StatementDescription? statement, RowDescriptionInfo? known)
    {
        response.BeginSingle(ResponseShape.Execute, statement, known);
        _known = known is not null;
    }

    public bool Handle(PgConnector connector, byte code, ReadOnlySpan<byte> body)
    {
        switch (response.Next(code, body))
        {
            case ResponseStep.Bound:
                return Error is null && _known;
            case ResponseStep.Described:
                return Error is null;
            case ResponseStep.Ready:
                return true;
            default:
                return false;
        }
    }
}

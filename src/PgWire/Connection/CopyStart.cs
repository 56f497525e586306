using PgWire.Protocol;

namespace PgWire.Connection;

/// <summary>
/// Starts a COPY over the simple query protocol: sends the statement and reads up to the server's CopyInResponse or
/// CopyOutResponse. A statement that fails, or turns out not to be a COPY to or from the client, is read to
/// ReadyForQuery and reported, leaving the connector idle.
/// </summary>
internal static class CopyStart
{
    /// <summary>Sends <paramref name="sql"/>; returns the COPY's format and column count once the server is in copy mode.</summary>
    public static async ValueTask<(bool Binary, int ColumnCount)> StartAsync(PgConnector connector, string sql, bool fromClient, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        FrontendMessages.WriteQuery(connector.Output, sql);
        var handler = new Handler(connector.Response);
        connector.Response.Begin(fromClient ? ResponseShape.CopyIn : ResponseShape.CopyOut);
        // The request goes on in copy mode when the COPY starts; otherwise it ends here.
        await QueryRunner.ExchangeAsync(connector, handler, cancellationToken, endsRequest: false).ConfigureAwait(false);
        if (handler.Started is { } started && handler.Error is null) return started;
        await connector.EndRequestAsync().ConfigureAwait(false);
        if (handler.Error is not null) throw QueryRunner.Fail(connector, handler.Error, cancellationToken);
        throw new InvalidOperationException(fromClient
            ? "The statement ran but did not start a COPY ... FROM STDIN: give a COPY statement that reads from STDIN."
            : "The statement ran but did not start a COPY ... TO STDOUT: give a COPY statement that writes to STDOUT.");
    }

    /// <summary>Acts on the response reader's steps up to copy mode (or, for a statement that is no COPY with the client, to ReadyForQuery).</summary>
    private sealed class Handler(ResponseReader response) : IFrameHandler
    {
        public (bool Binary, int ColumnCount)? Started { get; private set; }

        public PgWireServerException? Error => response.FirstError;

        public bool Handle(PgConnector connector, byte code, ReadOnlySpan<byte> body)
        {
            switch (response.Next(code, body))
            {
                case ResponseStep.CopyStarted:
                    Started = response.CopyFormat;
                    return true;
                case ResponseStep.Ready:
                    return true;
                default:
                    // Not a COPY with the client (a query, or COPY to or from a server file): read on to ReadyForQuery.
                    return false;
            }
        }
    }
}

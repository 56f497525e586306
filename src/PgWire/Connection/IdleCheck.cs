using PgWire.Exceptions;
using PgWire.Protocol;

namespace PgWire.Connection;

/// <summary>
/// Checks an idle session before the pool hands it out again, without a round trip: whatever the server sent while
/// it was idle is read now. Session messages (ParameterStatus, notices, notifications) are taken as usual; a FATAL
/// error (the server terminated the backend: 57P01 and friends), a close, or any other message means the session is
/// dead. Costs one poll of the socket when nothing arrived.
/// </summary>
internal static class IdleCheck
{
    /// <summary>True when the session is alive; false when it is dead (it is then broken).</summary>
    public static async ValueTask<bool> IsAliveAsync(PgConnector connector)
    {
        if (connector.IsBroken) return false;
        if (!TakeIdleFrames(connector)) return false;
        if (!connector.SocketReadable) return true;
        // Bytes (or the close) arrived: read them, with a short bound (a TLS record may arrive in pieces).
        using var timeout = new CancellationTokenSource(connector.Options.CancellationGrace);
        try
        {
            do
            {
                await connector.FillAsync(timeout.Token).ConfigureAwait(false);
                if (!TakeIdleFrames(connector)) return false;
                if (connector.ReceiveCompleted)
                {
                    // Closed without a word (a network cut, a killed backend): dead all the same.
                    connector.Break(new PgWireException($"The server {connector.Options.Host}:{connector.Options.Port} closed the idle connection."));
                    return false;
                }
            }
            while (connector.HasUnread);
            return !connector.IsBroken;
        }
        catch (Exception e) when (e is PgWireException or OperationCanceledException)
        {
            connector.Break(e as PgWireException);
            return false;
        }
    }

    /// <summary>Takes the frames already received on an idle session; false (and broken) when one is not a session message.</summary>
    private static bool TakeIdleFrames(PgConnector connector)
    {
        try
        {
            if (!connector.TryTakeFrame(out var code, out _)) return true;
            connector.Break(connector.Session.FatalError
                ?? (Exception)new PgWireProtocolException($"The server sent {BackendMessageCode.Describe(code)} on an idle connection."));
            return false;
        }
        catch (PgWireException)
        {
            return false; // TryTakeFrame broke the connector
        }
    }
}

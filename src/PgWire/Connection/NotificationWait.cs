using System.Diagnostics;
using PgWire.Protocol;

namespace PgWire.Connection;

/// <summary>
/// Waiting on an idle session for a notification: the frames already received, then reads, each bounded by what is
/// left of the wait and, with Keepalive, by its interval, after which an empty query checks the server. A read still
/// running when the time is up is left running, never cancelled (cancelling a read mid-record would break a TLS
/// stream): the session's next read takes it over (<see cref="PgConnector.FillAsync"/>).
/// </summary>
internal static class NotificationWait
{
    /// <summary>True when a notification arrived (the session's callback has been told), false when <paramref name="timeout"/> passed.</summary>
    /// <exception cref="OperationCanceledException">The token was cancelled; the session stays usable.</exception>
    /// <exception cref="PgWireException">The connection failed, the server ended the session, or it did not answer a keepalive.</exception>
    public static async Task<bool> WaitAsync(PgConnector connector, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var keepalive = connector.Options.Keepalive;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var left = timeout == Timeout.InfiniteTimeSpan ? Timeout.InfiniteTimeSpan : timeout - clock.Elapsed;
            // The last slice of the wait, or one Keepalive interval followed by an empty query.
            var last = keepalive <= TimeSpan.Zero || (left != Timeout.InfiniteTimeSpan && left <= keepalive);
            var slice = !last ? keepalive : left == Timeout.InfiniteTimeSpan || left > TimeSpan.Zero ? left : TimeSpan.Zero;
            if (await WaitOnceAsync(connector, slice, cancellationToken).ConfigureAwait(false)) return true;
            if (last) return false;
            if (await KeepaliveAsync(connector, keepalive, cancellationToken).ConfigureAwait(false)) return true;
        }
    }

    /// <summary>One slice of a wait: true when a notification arrived within <paramref name="timeout"/>.</summary>
    private static async Task<bool> WaitOnceAsync(PgConnector connector, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var session = connector.Session;
        var seen = session.NotificationCount;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            while (connector.TryTakeFrame(out var code, out var body))
            {
                // Only session messages (taken inside TryTakeFrame) belong on an idle session; a FATAL error ends it.
                if (code == BackendMessageCode.ErrorResponse)
                    throw connector.Break(session.FatalError ?? new PgWireServerException(ErrorResponse.Parse(body.Span)));
                throw connector.Break(new PgWireProtocolException($"The server sent {BackendMessageCode.Describe(code)} to an idle session."));
            }
            if (session.NotificationCount != seen) return true;
            var left = timeout == Timeout.InfiniteTimeSpan ? Timeout.InfiniteTimeSpan : timeout - clock.Elapsed;
            if (left != Timeout.InfiniteTimeSpan && left <= TimeSpan.Zero) return false;
            var fill = connector.TakeOrStartWaitFill();
            if (!fill.IsCompleted)
            {
                try
                {
                    await fill.WaitAsync(left, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is TimeoutException or OperationCanceledException)
                {
                    // Still running: the next read takes it over. Done at that very moment: its bytes are taken below
                    // (or, cancelled, by the next read, which finds them already received).
                    if (!fill.IsCompleted) connector.LeaveWaitFill(fill);
                    if (e is OperationCanceledException) throw;
                    if (!fill.IsCompleted) return false;
                }
            }
            await fill.ConfigureAwait(false); // its failure, if any (the session is broken by then)
        }
    }

    /// <summary>An empty query, unanswered within the Keepalive interval itself = the server or the network is gone; true when a notification came with it.</summary>
    private static async Task<bool> KeepaliveAsync(PgConnector connector, TimeSpan keepalive, CancellationToken cancellationToken)
    {
        var seen = connector.Session.NotificationCount;
        using var answer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        answer.CancelAfter(keepalive);
        try
        {
            if (await SimpleQuery.RunAsync(connector, "", answer.Token).ConfigureAwait(false) is { } rows) Buffers.RowBufferPool.Return(rows);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw connector.Break(new PgWireException(
                $"The server {connector.Options.Host}:{connector.Options.Port} did not answer the keepalive query within {keepalive.TotalSeconds:0.###} s (Keepalive); the connection is closed.",
                new TimeoutException()));
        }
        return connector.Session.NotificationCount != seen;
    }
}

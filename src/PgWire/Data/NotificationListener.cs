using System.Runtime.CompilerServices;
using System.Threading.Channels;
using PgWire.Diagnostics;

namespace PgWire;

/// <summary>
/// <see cref="PgWireDataSource.ListenAsync(IReadOnlyList{string}, CancellationToken)"/>: one connection of the pool,
/// held while the caller listens, that LISTENs to the channels and waits; after it breaks, it is replaced and the
/// channels LISTENed to again, and a gap item tells the caller that what was sent in between is lost.
/// </summary>
internal static class NotificationListener
{
    private static readonly TimeSpan s_firstRetry = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan s_lastRetry = TimeSpan.FromSeconds(5);

    public static async IAsyncEnumerable<PgNotification> ListenAsync(
        PgWireDataSource dataSource, IReadOnlyList<string> channels, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var received = Channel.CreateUnbounded<PgNotification>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var log = dataSource.Telemetry.NotificationLog;
        // The first connection's failure is the caller's to see (a wrong password must not turn into endless retries);
        // a cancellation meanwhile ends the enumeration like any other.
        var (connection, firstFailure) = await TryConnectAsync(dataSource, channels, received.Writer, cancellationToken).ConfigureAwait(false);
        if (connection is null)
        {
            if (cancellationToken.IsCancellationRequested) yield break;
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(firstFailure!);
        }
        Exception? lost = null;
        var retry = s_firstRetry;
        try
        {
            while (true)
            {
                if (connection is null)
                {
                    if (cancellationToken.IsCancellationRequested) yield break;
                    var (replacement, failure) = await TryConnectAsync(dataSource, channels, received.Writer, cancellationToken).ConfigureAwait(false);
                    if (replacement is null)
                    {
                        if (cancellationToken.IsCancellationRequested) yield break;
                        Log.ListenerRetry(log, string.Join(", ", channels), retry.TotalSeconds, failure!.Message);
                        if (!await DelayAsync(retry, cancellationToken).ConfigureAwait(false)) yield break;
                        retry = retry * 2 < s_lastRetry ? retry * 2 : s_lastRetry;
                        continue;
                    }
                    connection = replacement;
                    retry = s_firstRetry;
                    Log.ListenerResumed(log, string.Join(", ", channels));
                    yield return PgNotification.Gap(lost!);
                    lost = null;
                }
                while (received.Reader.TryRead(out var notification)) yield return notification;
                var waitFailure = await TryWaitAsync(connection, cancellationToken).ConfigureAwait(false);
                if (cancellationToken.IsCancellationRequested) yield break;
                if (waitFailure is not null)
                {
                    // Hand over what arrived before the break, then report the gap once listening again.
                    while (received.Reader.TryRead(out var notification)) yield return notification;
                    Log.ListenerLost(log, string.Join(", ", channels), waitFailure.Message);
                    lost = waitFailure;
                    await connection.DisposeAsync().ConfigureAwait(false);
                    connection = null;
                }
            }
        }
        finally
        {
            // Closing gives the session back to the pool, which UNLISTENs it first.
            if (connection is not null) await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task<PgWireConnection> ConnectAsync(
        PgWireDataSource dataSource, IReadOnlyList<string> channels, ChannelWriter<PgNotification> received, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            connection.Notification += (_, e) => received.TryWrite(e.Notification);
            var sql = string.Join("; ", channels.Select(c => "LISTEN " + Quote(c)));
            await using var command = new PgWireCommand(sql, connection);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<(PgWireConnection? Connection, Exception? Failure)> TryConnectAsync(
        PgWireDataSource dataSource, IReadOnlyList<string> channels, ChannelWriter<PgNotification> received, CancellationToken cancellationToken)
    {
        try
        {
            return (await ConnectAsync(dataSource, channels, received, cancellationToken).ConfigureAwait(false), null);
        }
        catch (Exception e) when (e is PgWireException or OperationCanceledException or TimeoutException)
        {
            return (null, e);
        }
    }

    /// <summary>Waits for the next notification; the failure that broke the connection, or null (a notification, or cancelled).</summary>
    private static async Task<Exception?> TryWaitAsync(PgWireConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            await connection.WaitAsync(Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception e) when (e is PgWireException or InvalidOperationException or OperationCanceledException)
        {
            return e;
        }
    }

    private static async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>A channel name as an SQL identifier: in double quotes, so its case and characters are kept.</summary>
    private static string Quote(string channel) => "\"" + channel.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}

using System.Runtime.CompilerServices;
using PgWire.Protocol;

namespace PgWire.Connection;

/// <summary>
/// The client side of COPY ... TO STDOUT on one connector: hands out the server's CopyData payloads one at a time,
/// straight from the receive buffer, reading more from the socket only when the caller asks (a slow consumer holds
/// the server back; memory stays one receive buffer). Ends at ReadyForQuery, after CopyDone and CommandComplete.
/// </summary>
/// <param name="connector">The session, in copy-out mode.</param>
/// <param name="textRows">True for a text or CSV COPY, whose every CopyData is one row (the protocol's promise for the
/// backend) or the CSV header line: their number is checked against the CommandComplete count.</param>
internal sealed class CopyOut(PgConnector connector, bool textRows = false)
{
    private long _messages;

    public PgConnector Connector => connector;

    /// <summary>Rows received so far in a text or CSV COPY (one per CopyData); -1 for a binary one, whose messages are not rows.</summary>
    public long RowsSoFar => textRows ? _messages : -1;

    /// <summary>Whether the COPY has ended and the connector is idle again.</summary>
    public bool Finished { get; private set; }

    /// <summary>Rows the server reported copied (from CommandComplete), once finished.</summary>
    public long Rows { get; private set; } = -1;

    /// <summary>
    /// The next CopyData payload; empty when the COPY has ended (the connector is then idle). A server error or a
    /// cancellation (token or Command Timeout: a CancelRequest to the server) is thrown once the server is idle again.
    /// </summary>
    /// <remarks>
    /// The payload is valid until the next call to this or any other use of the connector. Payloads already received
    /// are handed out without waiting; cancellation is armed only while waiting for the socket.
    /// </remarks>
    public ValueTask<ReadOnlyMemory<byte>> ReadAsync(CancellationToken cancellationToken)
    {
        if (Finished) return new(ReadOnlyMemory<byte>.Empty);
        if (!TryNext(out var payload)) return ReadAfterFillAsync(cancellationToken);
        return Finished ? EndAsync(cancellationToken) : new(payload);
    }

    /// <summary>ReadyForQuery came: the request ends (a cancel that lost the race is settled), then a server error is thrown.</summary>
    private async ValueTask<ReadOnlyMemory<byte>> EndAsync(CancellationToken cancellationToken)
    {
        await connector.EndRequestAsync().ConfigureAwait(false);
        if (connector.Response.FirstError is { } error) throw QueryRunner.Fail(connector, error, cancellationToken);
        return ReadOnlyMemory<byte>.Empty;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // once per receive buffer: no box per call
    private async ValueTask<ReadOnlyMemory<byte>> ReadAfterFillAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            using (connector.BeginCancellableRequest(cancellationToken, continuing: true))
            {
                try
                {
                    await connector.FillAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (PgWireException e)
                {
                    Finished = true;
                    await connector.EndRequestAsync().ConfigureAwait(false);
                    if (e is not PgWireServerException && connector.Cancellation.Reason != CancelReason.None) throw QueryRunner.CancellationOutcome(connector, e, cancellationToken);
                    throw;
                }
            }
            if (TryNext(out var payload)) return Finished ? await EndAsync(cancellationToken).ConfigureAwait(false) : payload;
        }
    }

    /// <summary>
    /// Takes the messages already received up to the next payload (true), or to the end of the COPY (true, empty
    /// payload); false when more bytes are needed.
    /// </summary>
    private bool TryNext(out ReadOnlyMemory<byte> payload)
    {
        var response = connector.Response;
        while (connector.TryTakeFrame(out var code, out var body))
        {
            ResponseStep step;
            try
            {
                step = response.Next(code, body.Span);
            }
            catch (PgWireProtocolException e)
            {
                throw connector.Break(e);
            }
            switch (step)
            {
                case ResponseStep.CopyData:
                    if (body.IsEmpty) continue;
                    _messages++;
                    payload = body;
                    return true;
                case ResponseStep.ResultEnd:
                    Rows = response.RowsAffected;
                    // One message per row, plus perhaps a CSV header line: anything else lost or invented rows.
                    if (textRows && _messages != Rows && _messages != Rows + 1)
                        throw connector.Break(new PgWireProtocolException(
                            $"The server's CommandComplete reports {Rows} rows but {_messages} rows of COPY data arrived; the data is refused and the connection closed."));
                    break;
                case ResponseStep.Ready:
                    Finished = true;
                    payload = ReadOnlyMemory<byte>.Empty;
                    return true;
            }
        }
        payload = default;
        return false;
    }

    /// <summary>Data read and dropped before a COPY the caller stopped reading is cancelled on the server.</summary>
    private const long AbandonDrainBytes = 1 << 20;

    /// <summary>
    /// Ends a COPY the caller stopped reading, leaving the connector idle: the rest is read and dropped when little
    /// is left (a cancel request racing the COPY's end could hit the session's next statement, and such a session is
    /// then closed rather than reused); past <see cref="AbandonDrainBytes"/> the server is asked to cancel the COPY and
    /// the rest is read to ReadyForQuery. The cancellation's error (or a COPY that finished first) is expected and
    /// swallowed.
    /// </summary>
    public async ValueTask AbandonAsync()
    {
        if (Finished) return;
        try
        {
            long drained = 0;
            while (drained < AbandonDrainBytes)
            {
                var chunk = await ReadAsync(CancellationToken.None).ConfigureAwait(false);
                if (chunk.IsEmpty) return;
                drained += chunk.Length;
            }
            connector.Cancellation.RequestByCaller();
            while (!(await ReadAsync(CancellationToken.None).ConfigureAwait(false)).IsEmpty) { }
        }
        catch (Exception e) when (e is PgWireServerException or OperationCanceledException or TimeoutException)
        {
            // The cancellation we asked for, or the server's own error: either way the COPY is over.
        }
    }
}

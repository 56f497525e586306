using System.Buffers;
using System.IO.Pipelines;
using PgWire.Protocol;

namespace PgWire.Connection;

/// <summary>
/// A connector's sending side: the request being written (<see cref="Buffer"/>), the socket's pipe it goes out through,
/// and the rest of a batch still being sent while its answers are read. A send that fails breaks the connector.
/// </summary>
internal sealed class SessionWriter(PgConnector connector, PipeWriter pipe)
{
    private static readonly ObjectDisposedException s_closed = new(nameof(PgConnector));

    /// <summary>The messages of the request being written, sent by <see cref="FlushAsync"/>.</summary>
    public MessageBuffer Buffer { get; } = new();

    /// <summary>
    /// The rest of a batch still being sent while its answers are read (see <see cref="QueryRunner.StartBatchAsync"/>).
    /// Its last bytes were taken from <see cref="Buffer"/> before the server could answer them, so a later request may
    /// fill the buffer; it waits for this before touching the socket.
    /// </summary>
    public Task? PendingSend { get; set; }

    /// <summary>Moves everything in <see cref="Buffer"/> to the socket's pipe, to be sent by <see cref="FlushPipeAsync"/>.</summary>
    public void MoveToPipe()
    {
        try
        {
            pipe.Write(Buffer.WrittenMemory.Span);
            Buffer.Clear();
        }
        catch (Exception e) when (PgConnector.IsStreamFailure(e))
        {
            throw connector.StreamFailed("Writing to", e);
        }
    }

    /// <summary>Sends what <see cref="MoveToPipe"/> moved.</summary>
    public async ValueTask FlushPipeAsync()
    {
        try
        {
            await pipe.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (PgConnector.IsStreamFailure(e))
        {
            throw connector.StreamFailed("Writing to", e);
        }
    }

    /// <summary>Sends everything in <see cref="Buffer"/> as (part of) the current request.</summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (PendingSend is { } pending)
        {
            PendingSend = null;
            await pending.ConfigureAwait(false);
        }
        // The request's first bytes: a cancel left over from an earlier request is settled before them, and a request
        // cancelled before it sent anything sends nothing.
        var cancellation = connector.Cancellation;
        if (!cancellation.RequestSent)
        {
            if (cancellation.TakeStale() is { } stale)
            {
                await cancellation.SettleAsync(stale).ConfigureAwait(false);
                if (connector.IsBroken) throw new PgWireException(
                    $"The connection to {connector.Options.Host}:{connector.Options.Port} was closed before this request: a cancellation of an earlier statement could not be confirmed by the server.");
            }
            cancellation.MarkSending();
        }
        try
        {
            pipe.Write(Buffer.WrittenMemory.Span);
            Buffer.Clear();
            await pipe.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (PgConnector.IsStreamFailure(e))
        {
            throw connector.StreamFailed("Writing to", e);
        }
    }

    /// <summary>Writes <paramref name="bytes"/> straight to the socket's pipe and sends them, outside any request
    /// (the buffer may already hold the next one).</summary>
    public async ValueTask SendOutsideRequestAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        pipe.Write(bytes.Span);
        await pipe.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends Terminate (straight to the pipe: it is not a request, and a cancellation of the last one must not
    /// stop it), unless a batch is still being sent; gives up after a second. Never throws.</summary>
    public async ValueTask TerminateAsync()
    {
        try
        {
            Buffer.Clear();
            FrontendMessages.WriteTerminate(Buffer);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            if (PendingSend is null) await SendOutsideRequestAsync(Buffer.WrittenMemory, cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (PgConnector.IsStreamFailure(e) || e is OperationCanceledException)
        {
            // Closing anyway.
        }
    }

    /// <summary>After the connector broke: ends a batch's sending, whose failure nobody is left to see.</summary>
    public async ValueTask AbandonPendingSendAsync()
    {
        if (PendingSend is not { } pending) return;
        PendingSend = null;
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (PgWireException)
        {
        }
    }

    /// <summary>
    /// Completes the pipe with an exception, so bytes a failed send left in it are dropped, not flushed into a dead socket
    /// (which would throw and hide the failure the caller is handling), and gives the buffer back.
    /// </summary>
    public async ValueTask CompleteAsync()
    {
        await pipe.CompleteAsync(s_closed).ConfigureAwait(false);
        Buffer.Dispose();
    }
}

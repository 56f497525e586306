using System.Net.Sockets;
using PgWire.Exceptions;
using PgWire.Protocol;

namespace PgWire.Connection;

/// <summary>Why the current request was cancelled.</summary>
internal enum CancelReason
{
    /// <summary>It was not.</summary>
    None,

    /// <summary>The caller's token fired (or ADO.NET's Cancel).</summary>
    Caller,

    /// <summary>The Command Timeout elapsed.</summary>
    Timeout,
}

/// <summary>
/// The cancellation state of one session's current request: the caller's token and the Command Timeout both send a
/// CancelRequest to the server, which ends the running statement with SQLSTATE 57014, and the response completes
/// normally. A CancelRequest goes out only once the request's first bytes were sent (<see cref="MarkSending"/>), so
/// it can only ever reach the statement of the caller who cancelled; one that lost the race with the statement's end
/// is handed to the session to settle (<see cref="TakeUnsettled"/>) before anything else runs. When the server does not
/// answer a cancellation within Cancellation Timeout, the session is broken so that the caller is never left waiting.
/// </summary>
internal sealed class RequestCancellation(PgConnector connector) : IAsyncDisposable
{
    private readonly PgConnector _connector = connector;
    private readonly object _lock = new();
    private CancellationTokenSource _timeoutCts = new();
    private Timer? _graceTimer;
    private CancelReason _reason;
    private bool _requestSent; // the current request's first bytes went out: a CancelRequest may now reach its statement
    private Task<bool>? _delivery; // a CancelRequest sent for the current request, not yet settled
    private Task<bool>? _stale; // one sent for an earlier request that ended without settling it
    private bool _graceExpired;

    /// <summary>A command's own timeout for the requests it runs (null: the connection string's Command Timeout).</summary>
    public TimeSpan? CommandTimeoutOverride { get; set; }

    /// <summary>Why the current request was cancelled, if it was.</summary>
    public CancelReason Reason
    {
        get
        {
            lock (_lock) return _reason;
        }
    }

    /// <summary>True when the connection was closed because the server did not answer a cancellation in time.</summary>
    public bool GraceExpired => Volatile.Read(ref _graceExpired);

    /// <summary>True once the current request's first bytes went out (<see cref="MarkSending"/>).</summary>
    public bool RequestSent => Volatile.Read(ref _requestSent);

    /// <summary>The Command Timeout in force for the current request.</summary>
    public TimeSpan CommandTimeout => CommandTimeoutOverride ?? _connector.Options.CommandTimeout;

    /// <summary>
    /// Arms cancellation for one request (or, with <paramref name="continuing"/>, for a later wait of the same one: a
    /// streaming read, the end of a COPY, where a cancellation already requested stays recorded). A token already
    /// cancelled throws here for a new request, before anything is registered or sent.
    /// </summary>
    /// <exception cref="OperationCanceledException">The token is already cancelled and the request is new.</exception>
    public Scope Begin(CancellationToken cancellationToken, bool continuing)
    {
        if (!continuing)
        {
            cancellationToken.ThrowIfCancellationRequested();
            lock (_lock)
            {
                // An earlier request ended without settling its cancel: it is settled before this one's first bytes.
                if (_delivery is not null)
                {
                    _stale = _delivery;
                    _delivery = null;
                }
                _reason = CancelReason.None;
                _requestSent = false;
                _graceExpired = false;
            }
        }
        var timeout = CommandTimeout;
        CancellationTokenRegistration timeoutRegistration = default;
        if (timeout > TimeSpan.Zero)
        {
            _timeoutCts.CancelAfter(timeout);
            timeoutRegistration = _timeoutCts.Token.UnsafeRegister(static s => ((RequestCancellation)s!).Request(CancelReason.Timeout), this);
        }
        var userRegistration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static s => ((RequestCancellation)s!).Request(CancelReason.Caller), this)
            : default;
        return new Scope(this, userRegistration, timeoutRegistration);
    }

    /// <summary>Asks the server to cancel the running request, as the caller's token would (ADO.NET's Cancel).</summary>
    public void RequestByCaller() => Request(CancelReason.Caller);

    /// <summary>
    /// Throws when the current request was cancelled: called between the round trips of one request (after a
    /// statement was prepared, before it runs), so that a statement is never started after its cancellation.
    /// </summary>
    public void ThrowIfRequested()
    {
        if (Reason != CancelReason.None) throw CancelledBefore("the statement ran (it was being prepared)");
    }

    /// <summary>A cancel sent for an earlier request and never settled, to be settled before this request's first bytes.</summary>
    public Task<bool>? TakeStale()
    {
        lock (_lock)
        {
            if (_requestSent) return null;
            var stale = _stale;
            _stale = null;
            return stale;
        }
    }

    /// <summary>
    /// The request's bytes are about to be written: from now on a cancellation sends a CancelRequest. A request
    /// cancelled before its first bytes throws instead, and nothing of it reaches the server.
    /// </summary>
    public void MarkSending()
    {
        lock (_lock)
        {
            if (_requestSent) return;
            if (_reason != CancelReason.None) throw CancelledBefore("it was sent; nothing reached the server");
            _requestSent = true;
        }
    }

    /// <summary>The request ended: returns a CancelRequest sent for it (or an earlier one) that the session must settle.</summary>
    public Task<bool>? TakeUnsettled()
    {
        lock (_lock)
        {
            _requestSent = false;
            var delivery = _delivery ?? _stale;
            _delivery = _stale = null;
            return delivery;
        }
    }

    /// <summary>
    /// Settles a CancelRequest sent for a request that has ended: waits until the server has taken it (the cancel
    /// connection closes once the backend was signalled), then one Sync round trip lets the idle backend take the
    /// signal (a backend waiting for a command ignores it; one that raises 57014 instead does so here). A cancel that
    /// cannot be confirmed breaks the session. Never throws.
    /// </summary>
    public async ValueTask SettleAsync(Task<bool> delivery)
    {
        var delivered = await delivery.ConfigureAwait(false);
        if (_connector.IsBroken) return;
        if (!delivered)
        {
            _connector.Break(null);
            return;
        }
        if (_connector.Writer.PendingSend is { } pending)
        {
            _connector.Writer.PendingSend = null;
            try
            {
                await pending.ConfigureAwait(false);
            }
            catch (PgWireException)
            {
                return; // the connector broke with it
            }
        }
        using var timeout = new CancellationTokenSource(_connector.Options.CancellationGrace);
        try
        {
            // A Sync on its own, written straight to the pipe: the output may already hold the next request.
            await _connector.Writer.SendOutsideRequestAsync(s_sync, timeout.Token).ConfigureAwait(false);
            await _connector.ReceiveAsync(SettleHandler.Instance, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is PgWireException or OperationCanceledException or IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            _connector.Break(null);
        }
    }

    private static readonly byte[] s_sync = SyncMessage();

    private static byte[] SyncMessage()
    {
        using var buffer = new MessageBuffer();
        FrontendMessages.WriteSync(buffer);
        return buffer.WrittenMemory.ToArray();
    }

    /// <summary>Reads the answer to the settling Sync: at most the 57014 of the cancel being settled, then ReadyForQuery.</summary>
    private sealed class SettleHandler : IFrameHandler
    {
        public static readonly SettleHandler Instance = new();

        public bool Handle(PgConnector connector, byte code, ReadOnlySpan<byte> body)
        {
            switch (code)
            {
                case BackendMessageCode.ReadyForQuery:
                    return true;
                case BackendMessageCode.ErrorResponse:
                    var error = ErrorResponse.Parse(body);
                    if (error.SqlState != SqlStates.QueryCanceled)
                        throw new PgWireProtocolException($"The server answered a lone Sync with error {error.SqlState}: {error.MessageText}");
                    return false;
                default:
                    throw new PgWireProtocolException($"Unexpected {BackendMessageCode.Describe(code)} message in answer to a Sync.");
            }
        }
    }

    private void Request(CancelReason reason)
    {
        lock (_lock)
        {
            if (_reason != CancelReason.None) return;
            _reason = reason;
            // Nothing of the request has gone out yet: the send throws instead, and no backend is disturbed.
            if (!_requestSent || _connector.IsBroken) return;
            _delivery = _connector.SendCancelRequest();
        }
        // If the server does not answer in time, break the connection so the caller is never left waiting.
        _graceTimer ??= new Timer(static s =>
        {
            var self = (RequestCancellation)s!;
            Volatile.Write(ref self._graceExpired, true);
            self._connector.Break(new PgWireException(
                $"the server did not answer a cancellation within {self._connector.Options.CancellationGrace.TotalSeconds:0.###} s (Cancellation Timeout)"));
        }, this, Timeout.Infinite, Timeout.Infinite);
        _graceTimer.Change(_connector.Options.CancellationGrace, Timeout.InfiniteTimeSpan);
    }

    private Exception CancelledBefore(string when) => Reason == CancelReason.Caller
        ? new OperationCanceledException($"The query was cancelled at the caller's request before {when}.")
        : new TimeoutException($"The command timed out after {CommandTimeout.TotalSeconds:0.###} s (Command Timeout) before {when}.");

    private void End()
    {
        if (!_timeoutCts.TryReset())
        {
            _timeoutCts.Dispose();
            _timeoutCts = new CancellationTokenSource();
        }
        _graceTimer?.Change(Timeout.Infinite, Timeout.Infinite);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_graceTimer is not null) await _graceTimer.DisposeAsync().ConfigureAwait(false);
        _timeoutCts.Dispose();
    }

    /// <summary>Undoes <see cref="Begin"/> when disposed.</summary>
    public readonly struct Scope(RequestCancellation owner, CancellationTokenRegistration user, CancellationTokenRegistration timeout) : IDisposable
    {
        /// <inheritdoc />
        public void Dispose()
        {
            user.Dispose();
            timeout.Dispose();
            owner.End();
        }
    }
}

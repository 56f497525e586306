using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using PgWire.Diagnostics;
using PgWire.Protocol;
using PgWire.Types;
using PgWire.Exceptions;

namespace PgWire.Connection;

/// <summary>
/// One physical session with the server: the socket and its pipes, writing a request's messages (its
/// <see cref="SessionWriter"/>), reading backend messages (through <see cref="BackendReader"/>, the only caller of
/// <see cref="PipeReader.AdvanceTo(SequencePosition, SequencePosition)"/>), and breaking the session when its stream
/// can no longer be trusted. It owns, per session, the <see cref="SessionState"/>, the <see cref="RequestCancellation"/>,
/// the <see cref="ResponseReader"/> with the handlers acting on its steps, and the <see cref="DescriptionCache"/>.
/// Opened by <see cref="ConnectorOpener"/>, checked before reuse by <see cref="IdleCheck"/>. A connector serves one
/// request at a time; the pool hands it to one caller at a time.
/// </summary>
internal sealed class PgConnector : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly System.Net.EndPoint _serverEndPoint;
    private readonly Stream _stream;
    private readonly PipeReader _reader;
    private readonly BackendReader _backend;
    private int _broken;
    private bool _opened;

    internal PgConnector(ConnectorOptions options, PgTypeRegistry registry, Socket socket, System.Net.EndPoint server, Stream stream)
    {
        Options = options;
        TypeRegistry = registry;
        _socket = socket;
        _serverEndPoint = server;
        _stream = stream;
        if (stream is System.Net.Security.SslStream tls) ServerCertificateHash = Tls.EndPointHash(tls.RemoteCertificate);
        _reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 65536, minimumReadSize: 8192, leaveOpen: true));
        _backend = new BackendReader(_reader, options.MaxMessageSize);
        Writer = new SessionWriter(this, PipeWriter.Create(_stream, new StreamPipeWriterOptions(minimumBufferSize: 8192, leaveOpen: true)));
        CreatedAt = Stopwatch.GetTimestamp();
        var log = options.Telemetry.CommandLog;
        Descriptions = new DescriptionCache(options.MaxAutoPrepare, options.AutoPrepareMinUsages, options.AlwaysPrepare)
        {
            Evicted = (name, sql) => Log.StatementEvicted(log, name, ProcessId, options.MaxAutoPrepare, sql),
            Cleared = count => Log.StatementCacheCleared(log, ProcessId, count),
        };
        Response = new ResponseReader(registry, Descriptions.Clear);
        QueryHandler = new QueryHandler(Response);
        PipelineHandler = new PipelineHandler(Response);
        DescribeHandler = new DescribeHandler(Response);
        BindHandler = new BindHandler(Response);
        Cancellation = new RequestCancellation(this);
    }

    /// <summary>The current request's cancellation (caller's token, Command Timeout, ADO.NET's Cancel).</summary>
    public RequestCancellation Cancellation { get; }

    public ConnectorOptions Options { get; }

    public PgTypeRegistry TypeRegistry { get; }

    /// <summary>Frontend messages of the current request, written before <see cref="SessionWriter.FlushAsync"/> (<see cref="Writer"/>).</summary>
    public MessageBuffer Output => Writer.Buffer;

    /// <summary>The sending side: the output, the socket's pipe, a batch still being sent.</summary>
    public SessionWriter Writer { get; }

    /// <summary>The handler of query responses, reused for every request on this session.</summary>
    public QueryHandler QueryHandler { get; }

    /// <summary>The one reader of the messages answering a request; the handlers below act on its steps.</summary>
    public ResponseReader Response { get; }

    /// <summary>The handler of a batch's statement descriptions, reused on this session.</summary>
    public DescribeHandler DescribeHandler { get; }

    /// <summary>The handler that waits for BindComplete before a streaming read, reused on this session.</summary>
    public BindHandler BindHandler { get; }

    private readonly RowDescriptionInfo?[] _singleKnown = new RowDescriptionInfo?[1];

    /// <summary>
    /// The known-descriptions array of a one-statement request (a command, a streaming query), holding
    /// <paramref name="description"/>: one array per session, reused by each such request (the reader that takes it is
    /// done with it before the session serves another).
    /// </summary>
    internal RowDescriptionInfo?[] SingleKnown(RowDescriptionInfo? description)
    {
        _singleKnown[0] = description;
        return _singleKnown;
    }

    /// <summary>What the last finished command left for the next one on this session (see <see cref="ISessionSpare"/>).</summary>
    internal ISessionSpare? Spare { get; set; }

    /// <summary>Collects a pipeline's answers; one per connector.</summary>
    public PipelineHandler PipelineHandler { get; }

    /// <summary>Statement and row descriptions this session has learnt.</summary>
    public DescriptionCache Descriptions { get; }

    /// <summary>What the server told this session about itself: transaction status, parameters, backend key, a FATAL error.</summary>
    public SessionState Session { get; } = new();

    /// <summary>The backend's process ID.</summary>
    public int ProcessId => Session.BackendKey.ProcessId;

    /// <summary>The transaction status of the last ReadyForQuery.</summary>
    public TransactionStatus TransactionStatus => Session.TransactionStatus;

    public bool IsBroken => Volatile.Read(ref _broken) != 0;

    /// <summary>True when the session runs over TLS.</summary>
    public bool IsSecure => _stream is System.Net.Security.SslStream;

    /// <summary>The tls-server-end-point hash of the server's certificate, for SCRAM channel binding; null without TLS.</summary>
    public byte[]? ServerCertificateHash { get; }

    /// <summary>When the connector was opened (a <see cref="Stopwatch"/> timestamp).</summary>
    public long CreatedAt { get; }

    /// <summary>When the connector was last returned to the pool (a <see cref="Stopwatch"/> timestamp).</summary>
    public long LastReturnedAt { get; set; }

    /// <summary>How the session is carried, for logs: TLS version and cipher suite, unencrypted TCP, or a Unix socket.</summary>
    public string TlsDescription => _stream is System.Net.Security.SslStream tls
        ? $"{tls.SslProtocol} ({tls.NegotiatedCipherSuite})"
        : _socket.AddressFamily == AddressFamily.Unix ? "Unix socket" : "unencrypted";

    /// <summary>Startup succeeded: from here on a break or a close is logged (a failed open is logged as one event).</summary>
    public void MarkOpened() => _opened = true;

    /// <summary>Bytes received on this session so far (for progress reports).</summary>
    public long BytesReceived { get; private set; }

    /// <summary>When the connector was rented, while the use-time histogram listens (else 0).</summary>
    public long RentedAt { get; set; }

    /// <summary>
    /// Runs the read loop until <paramref name="handler"/> says the response is complete. Frames are handed over as
    /// soon as they are whole; the pipe is advanced only when more bytes are needed.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask ReceiveAsync(IFrameHandler handler, CancellationToken cancellationToken = default)
    {
        while (!DrainFrames(handler)) await FillAsync(cancellationToken).ConfigureAwait(false);
    }

    private bool DrainFrames(IFrameHandler handler)
    {
        while (TryTakeFrame(out var code, out var body))
        {
            bool done;
            try
            {
                done = handler.Handle(this, code, body.Span);
            }
            catch (Exception e)
            {
                // A protocol violation, or a bug: either way the stream position can no longer be trusted.
                Break(e);
                throw;
            }
            if (done) return true;
        }
        return false;
    }

    /// <summary>
    /// Takes the next message of the current response from the bytes already received, handling session messages
    /// (ParameterStatus, notices, notifications) on the way; false when more bytes are needed (<see cref="FillAsync"/>).
    /// </summary>
    /// <remarks><paramref name="body"/> is valid until the next call to this, <see cref="FillAsync"/> or <see cref="ReceiveAsync"/>.</remarks>
    public bool TryTakeFrame(out byte code, out ReadOnlyMemory<byte> body)
    {
        try
        {
            while (_backend.TryRead(out code, out body))
            {
                if (Session.Handle(code, body.Span)) continue;
                if (code == BackendMessageCode.CommandComplete && !Session.Listening && body.Span.StartsWith("LISTEN"u8)) Session.Listening = true;
                // The server ends the session after a FATAL error: no request may start on it any more.
                if (code == BackendMessageCode.ErrorResponse && Session.FatalError is { } fatal && Interlocked.Exchange(ref _broken, 1) == 0)
                {
                    BreakReason = fatal.Message;
                    if (_opened && !_closing) LogBreak(fatal);
                }
                return true;
            }
            return false;
        }
        catch (Exception e)
        {
            Break(e);
            throw;
        }
    }

    /// <summary>
    /// Reads the rest of the current response, up to its ReadyForQuery, into memory without handling any of it, so
    /// that the session can run another request before the caller reads on; <see cref="ReplaySetAside"/> then hands the
    /// frames out again, in order, before anything that arrives later.
    /// </summary>
    public async ValueTask SetAsideResponseAsync()
    {
        var aside = new ArrayBufferWriter<byte>();
        while (true)
        {
            try
            {
                if (_backend.TryCollectAsideThroughReady(aside)) return;
            }
            catch
            {
                Break(null);
                throw;
            }
            await FillAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Makes the frames <see cref="SetAsideResponseAsync"/> kept the next ones read.</summary>
    public void ReplaySetAside() => _backend.Replay();

    /// <summary>Waits for more bytes from the server; throws when the connection fails or closes.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))] // called once per receive buffer: no box per call
    public async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        if (_waitingFill is not null && Interlocked.Exchange(ref _waitingFill, null) is { } waiting)
        {
            // A notification wait that timed out left a read running: it is this one. It ran this method itself, so its
            // bytes are counted and a close or failure is reported by it.
            try
            {
                await waiting.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Break(null);
                throw;
            }
            return;
        }
        bool more;
        try
        {
            more = await _backend.FillAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Mid-response: the stream position is unknown, so the session cannot be reused.
            Break(null);
            throw;
        }
        catch (Exception e) when (IsStreamFailure(e))
        {
            throw StreamFailed("Reading from", e);
        }
        BytesReceived += _backend.Received;
        if (Instruments.BytesReceived.Enabled) Instruments.BytesReceived.Add(_backend.Received, Options.Telemetry.PoolTags(null));
        if (!more)
        {
            if (Session.FatalError is { } fatal) throw Break(fatal);
            var leftover = _backend.Unread;
            throw Break(new PgWireException(leftover == 0
                ? $"The server {Options.Host}:{Options.Port} closed the connection unexpectedly."
                : $"The server {Options.Host}:{Options.Port} closed the connection in the middle of a message ({leftover} bytes of an incomplete frame)."));
        }
    }

    /// <summary>A read a notification wait started and left running when its time was up (see <see cref="NotificationWait"/>).</summary>
    private Task? _waitingFill;

    /// <summary>The read a timed-out notification wait left running (taken: the caller owns it now), or a new one.</summary>
    internal Task TakeOrStartWaitFill()
    {
        if (Interlocked.Exchange(ref _waitingFill, null) is { } waiting) return waiting;
        var fill = FillForWaitAsync();
        // It may outlive every wait (closed meanwhile): its failure is observed either way.
        _ = fill.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return fill;
    }

    /// <summary>Leaves a wait's read still running for the session's next read to take over.</summary>
    internal void LeaveWaitFill(Task fill) => _waitingFill = fill;

    private async Task FillForWaitAsync() => await FillAsync(CancellationToken.None).ConfigureAwait(false);

    /// <summary>True when bytes (or the close) arrived on the socket and wait to be read.</summary>
    internal bool SocketReadable => _socket.Poll(0, SelectMode.SelectRead);

    /// <summary>True when bytes were received but not handed out, or wait on the socket.</summary>
    internal bool HasUnread => _backend.Unread > 0 || (!IsBroken && _socket.Available > 0);

    /// <summary>True once the server closed the connection.</summary>
    internal bool ReceiveCompleted => _backend.IsCompleted;

    /// <summary>Why the connector broke, when the first break said so (for the message of a later use).</summary>
    public string? BreakReason { get; private set; }

    /// <summary>Arms cancellation for one request (see <see cref="RequestCancellation.Begin"/>).</summary>
    public RequestCancellation.Scope BeginCancellableRequest(CancellationToken cancellationToken, bool continuing = false) =>
        Cancellation.Begin(cancellationToken, continuing);

    /// <summary>Sends a CancelRequest for this session's backend on a new connection; true when the server took it.</summary>
    internal Task<bool> SendCancelRequest() => CancelRequestSender.SendAsync(Options, _serverEndPoint, Session.BackendKey, IsSecure);

    /// <summary>
    /// Ends the current request, its response read to the end (or the connector broken). When a CancelRequest went
    /// out for it, makes sure it can no longer reach a later statement: waits until the server has taken it (the
    /// cancel connection closes once the backend was signalled), then one Sync round trip lets the idle backend take
    /// the signal (a backend waiting for a command ignores it; one that raises 57014 instead does so here). A cancel
    /// that cannot be confirmed breaks the connector. Never throws.
    /// </summary>
    public ValueTask EndRequestAsync()
    {
        var delivery = Cancellation.TakeUnsettled();
        return delivery is null ? ValueTask.CompletedTask : Cancellation.SettleAsync(delivery);
    }

    /// <summary>How the socket's stream and pipes fail when the connection does (read, write, or used after closing).</summary>
    internal static bool IsStreamFailure(Exception e) => e is IOException or SocketException or ObjectDisposedException or InvalidOperationException;

    /// <summary>Breaks the connector for a failed read or write; returns the exception saying which and where.</summary>
    internal Exception StreamFailed(string doing, Exception e) =>
        Break(new PgWireException($"{doing} the server {Options.Host}:{Options.Port} failed: {e.Message}", e));

    /// <summary>Marks the connector broken and closes the socket; returns the exception for the caller to throw.</summary>
    public Exception Break(Exception? reason)
    {
        if (Interlocked.Exchange(ref _broken, 1) == 0)
        {
            if (reason is not null) BreakReason = reason.Message;
            if (_opened && !_closing) LogBreak(reason);
        }
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already closed.
        }
        _socket.Dispose();
        return reason ?? new PgWireException("The connection was broken.");
    }

    private bool _closing;

    private void LogBreak(Exception? reason)
    {
        var log = Options.Telemetry.ConnectionLog;
        // Without a reason the caller discards a session it can no longer trust (a reader left open, a failed
        // rollback, a protocol error thrown to the caller): the exception the caller sees says why.
        if (reason is null) Log.ConnectionDiscarded(log, Options.Host, Options.Port, ProcessId);
        else Log.ConnectionBroken(log, Options.Host, Options.Port, ProcessId, reason.Message, reason);
    }

    /// <summary>Sends Terminate when the session is healthy, then closes everything.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_opened && !_closing)
        {
            var log = Options.Telemetry.ConnectionLog;
            if (log.IsEnabled(LogLevel.Debug)) Log.ConnectionClosed(log, Options.Host, Options.Port, ProcessId, Stopwatch.GetElapsedTime(CreatedAt).TotalSeconds);
        }
        _closing = true;
        if (!IsBroken) await Writer.TerminateAsync().ConfigureAwait(false);
        Break(null);
        await Writer.AbandonPendingSendAsync().ConfigureAwait(false);
        if (Interlocked.Exchange(ref _waitingFill, null) is { } waiting)
        {
            // A read a notification wait left running ends now that the socket is closed; the pipe is completed only after
            // it, so the read never writes into buffers the pipe has given back.
            try
            {
                await waiting.WaitAsync(Options.CancellationGrace).ConfigureAwait(false);
            }
            catch (Exception e) when (e is PgWireException or TimeoutException or OperationCanceledException)
            {
            }
        }
        await _reader.CompleteAsync().ConfigureAwait(false);
        await Writer.CompleteAsync().ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
        await Cancellation.DisposeAsync().ConfigureAwait(false);
    }

    public override string ToString() => $"PgConnector {{ {Options.Host}:{Options.Port}, pid {ProcessId} }}";
}

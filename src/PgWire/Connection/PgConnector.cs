using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using PgWire.Protocol;
using PgWire.Types;
using PgWire.Exceptions;

namespace PgWire.Connection;

/// <summary>
/// One physical session with the server: the socket, reading backend messages (through <see cref="BackendReader"/>,
/// the only caller of <see cref="PipeReader.AdvanceTo(SequencePosition, SequencePosition)"/>), session state, and
/// cancellation. A connector serves one request at a time; the pool hands it to one caller at a time.
/// </summary>
internal sealed class PgConnector : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly System.Net.EndPoint _serverEndPoint;
    private readonly Stream _stream;
    private readonly PipeReader _reader;
    private readonly BackendReader _backend;
    private readonly PipeWriter _writer;
    private readonly MessageBuffer _out = new();
    private readonly Dictionary<string, string> _serverParameters = new(StringComparer.Ordinal);
    private BackendKeyData _backendKey;
    private int _broken;

    private PgConnector(ConnectorOptions options, PgTypeRegistry registry, Socket socket, Stream stream)
    {
        Options = options;
        TypeRegistry = registry;
        _socket = socket;
        _serverEndPoint = socket.RemoteEndPoint ?? throw new UnreachableException("BUG: a connected socket without a remote end point.");
        _stream = stream;
        if (stream is System.Net.Security.SslStream tls) ServerCertificateHash = Tls.EndPointHash(tls.RemoteCertificate);
        _reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 65536, minimumReadSize: 8192, leaveOpen: true));
        _backend = new BackendReader(_reader, options.MaxMessageSize);
        _writer = PipeWriter.Create(_stream, new StreamPipeWriterOptions(minimumBufferSize: 8192, leaveOpen: true));
        CreatedAt = Stopwatch.GetTimestamp();
        Descriptions = new DescriptionCache(options.MaxAutoPrepare, options.AutoPrepareMinUsages, options.AlwaysPrepare);
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

    /// <summary>Frontend messages of the current request, written before <see cref="FlushAsync"/>.</summary>
    public MessageBuffer Output => _out;

    /// <summary>The handler of query responses, reused for every request on this session.</summary>
    public QueryHandler QueryHandler { get; }

    /// <summary>The one reader of the messages answering a request; the handlers below act on its steps.</summary>
    public ResponseReader Response { get; }

    /// <summary>The handler of a batch's statement descriptions, reused on this session.</summary>
    public DescribeHandler DescribeHandler { get; }

    /// <summary>The handler that waits for BindComplete before a streaming read, reused on this session.</summary>
    public BindHandler BindHandler { get; }

    /// <summary>The known-descriptions array of a one-statement command, reused by each command on this connector.</summary>
    internal RowDescriptionInfo?[] SingleKnownDescription { get; } = new RowDescriptionInfo?[1];

    /// <summary>
    /// A finished ADO.NET row reader kept for the next command on this session (the Results layer's
    /// <c>PgRowReader.ForDataReader</c>); typed object, as this layer does not depend on that one.
    /// </summary>
    internal object? SpareRowReader { get; set; }

    /// <summary>Collects a pipeline's answers; one per connector.</summary>
    public PipelineHandler PipelineHandler { get; }

    /// <summary>Statement and row descriptions this session has learnt.</summary>
    public DescriptionCache Descriptions { get; }

    public int ProcessId => _backendKey.ProcessId;

    public TransactionStatus TransactionStatus { get; private set; } = TransactionStatus.Idle;

    public bool IsBroken => Volatile.Read(ref _broken) != 0;

    /// <summary>True when the session runs over TLS.</summary>
    public bool IsSecure => _stream is System.Net.Security.SslStream;

    /// <summary>The tls-server-end-point hash of the server's certificate, for SCRAM channel binding; null without TLS.</summary>
    public byte[]? ServerCertificateHash { get; }

    /// <summary>When the connector was opened (a <see cref="Stopwatch"/> timestamp).</summary>
    public long CreatedAt { get; }

    /// <summary>When the connector was last returned to the pool (a <see cref="Stopwatch"/> timestamp).</summary>
    public long LastReturnedAt { get; set; }

    /// <summary>Server parameters reported with ParameterStatus (server_version, TimeZone, ...).</summary>
    public IReadOnlyDictionary<string, string> ServerParameters => _serverParameters;

    /// <summary>Called for every NoticeResponse. Runs on the read loop: it must be quick and must not throw.</summary>
    public Action<PgErrorFields>? NoticeCallback { get; set; }

    /// <summary>
    /// Opens a socket, runs startup and authentication, loads the type catalog when <paramref name="registry"/> has
    /// none or a stale one, and returns a connector ready for queries.
    /// </summary>
    public static async Task<PgConnector> OpenAsync(ConnectorOptions options, PgTypeRegistry registry, CancellationToken cancellationToken)
    {
        if (options.SslMode != SslMode.Allow) return await OpenAsync(options, registry, options.SslMode != SslMode.Disable, cancellationToken).ConfigureAwait(false);
        try
        {
            return await OpenAsync(options, registry, tls: false, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == SqlStates.InvalidAuthorizationSpecification)
        {
            // Allow: the server refused the unencrypted login (a hostssl-only pg_hba.conf); try again with TLS.
            return await OpenAsync(options, registry, tls: true, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<PgConnector> OpenAsync(ConnectorOptions options, PgTypeRegistry registry, bool tls, CancellationToken cancellationToken)
    {
        var socket = await Transport.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        if (tls && Tls.Applies(socket))
        {
            try
            {
                stream = await Tls.NegotiateAsync((NetworkStream)stream, options, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
                if (e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
                    throw new PgWireException(
                        $"Connecting to {options.Host}:{options.Port} timed out after {options.ConnectTimeout.TotalSeconds:0.###} s (Timeout) during the TLS handshake.",
                        new TimeoutException());
                if (e is IOException or SocketException)
                    throw new PgWireException($"The TLS negotiation with {options.Host}:{options.Port} failed: {e.Message}", e);
                throw;
            }
        }
        var connector = new PgConnector(options, registry, socket, stream);
        try
        {
            try
            {
                await Startup.RunAsync(connector, timeout.Token).ConfigureAwait(false);
                await connector.EndRequestAsync().ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new PgWireException(
                    $"Connecting to {options.Host}:{options.Port} timed out after {options.ConnectTimeout.TotalSeconds:0.###} s (Timeout) during startup.",
                    new TimeoutException());
            }
            // The data source's first session loads the type catalog, as part of opening: bounded by Timeout too.
            using var catalogTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            catalogTimeout.CancelAfter(options.ConnectTimeout);
            try
            {
                await TypeCatalogLoader.RefreshAsync(connector, catalogTimeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new PgWireException(
                    $"Loading the type catalog from {options.Host}:{options.Port} timed out after {options.ConnectTimeout.TotalSeconds:0.###} s (Timeout).",
                    new TimeoutException());
            }
            return connector;
        }
        catch
        {
            await connector.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    internal void SetBackendKey(BackendKeyData key) => _backendKey = key;

    /// <summary>Moves everything in <see cref="Output"/> to the socket's pipe, to be sent by <see cref="FlushPipeAsync"/>.</summary>
    public void MoveOutputToPipe()
    {
        try
        {
            _writer.Write(_out.WrittenMemory.Span);
            _out.Clear();
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            throw Break(new PgWireException($"Writing to the server {Options.Host}:{Options.Port} failed: {e.Message}", e));
        }
    }

    /// <summary>Sends what <see cref="MoveOutputToPipe"/> moved.</summary>
    public async ValueTask FlushPipeAsync()
    {
        try
        {
            await _writer.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            throw Break(new PgWireException($"Writing to the server {Options.Host}:{Options.Port} failed: {e.Message}", e));
        }
    }

    /// <summary>
    /// The rest of a batch still being sent while its answers are read (see <see cref="QueryRunner.StartBatchAsync"/>).
    /// Its last bytes were taken from <see cref="Output"/> before the server could answer them, so a later request may
    /// fill the output; it waits for this before touching the socket.
    /// </summary>
    internal Task? PendingSend { get; set; }

    /// <summary>Sends everything in <see cref="Output"/>.</summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (PendingSend is { } pending)
        {
            PendingSend = null;
            await pending.ConfigureAwait(false);
        }
        // The request's first bytes: a cancel left over from an earlier request is settled before them, and a request
        // cancelled before it sent anything sends nothing.
        if (!Cancellation.RequestSent)
        {
            if (Cancellation.TakeStale() is { } stale)
            {
                await SettleAsync(stale).ConfigureAwait(false);
                if (IsBroken) throw new PgWireException(
                    $"The connection to {Options.Host}:{Options.Port} was closed before this request: a cancellation of an earlier statement could not be confirmed by the server.");
            }
            Cancellation.MarkSending();
        }
        try
        {
            _writer.Write(_out.WrittenMemory.Span);
            _out.Clear();
            await _writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            throw Break(new PgWireException($"Writing to the server {Options.Host}:{Options.Port} failed: {e.Message}", e));
        }
    }

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
            catch
            {
                // A protocol violation, or a bug: either way the stream position can no longer be trusted.
                Break(null);
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
                if (!HandleSessionMessage(code, body.Span)) return true;
            }
            return false;
        }
        catch
        {
            Break(null);
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
                while (_backend.TryRead(out var code, out var body))
                {
                    // Byte1 code, Int32 length (itself included), body: the frame as it arrived.
                    var frame = aside.GetSpan(FrameReader.HeaderLength + body.Length);
                    frame[0] = code;
                    System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(frame[1..], body.Length + 4);
                    body.Span.CopyTo(frame[FrameReader.HeaderLength..]);
                    aside.Advance(FrameReader.HeaderLength + body.Length);
                    if (code != BackendMessageCode.ReadyForQuery) continue;
                    _backend.SetAside(aside.WrittenMemory);
                    return;
                }
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
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            throw Break(new PgWireException($"Reading from the server {Options.Host}:{Options.Port} failed: {e.Message}", e));
        }
        if (!more)
        {
            if (FatalError is not null) throw Break(FatalError);
            var leftover = _backend.Unread;
            throw Break(new PgWireException(leftover == 0
                ? $"The server {Options.Host}:{Options.Port} closed the connection unexpectedly."
                : $"The server {Options.Host}:{Options.Port} closed the connection in the middle of a message ({leftover} bytes of an incomplete frame)."));
        }
    }

    /// <summary>
    /// Checks an idle session before it is handed out again, without a round trip: whatever the server sent while it
    /// was idle is read now. Session messages (ParameterStatus, notices, notifications) are taken as usual; a FATAL
    /// error (the server terminated the backend: 57P01 and friends), a close, or any other message means the session
    /// is dead (it is broken and false is returned). Costs one poll of the socket when nothing arrived.
    /// </summary>
    public async ValueTask<bool> CheckIdleAsync()
    {
        if (IsBroken) return false;
        if (!TakeIdleFrames()) return false;
        if (!_socket.Poll(0, SelectMode.SelectRead)) return true;
        // Bytes (or the close) arrived: read them, with a short bound (a TLS record may arrive in pieces).
        using var timeout = new CancellationTokenSource(Options.CancellationGrace);
        try
        {
            do
            {
                await FillAsync(timeout.Token).ConfigureAwait(false);
                if (!TakeIdleFrames()) return false;
                if (_backend.IsCompleted)
                {
                    // Closed without a word (a network cut, a killed backend): dead all the same.
                    Break(new PgWireException($"The server {Options.Host}:{Options.Port} closed the idle connection."));
                    return false;
                }
            }
            while (_backend.Unread > 0 || (_socket.Available > 0 && !IsBroken));
            return !IsBroken;
        }
        catch (Exception e) when (e is PgWireException or OperationCanceledException)
        {
            Break(e as PgWireException);
            return false;
        }
    }

    /// <summary>Takes the frames already received on an idle session; false (and broken) when one is not a session message.</summary>
    private bool TakeIdleFrames()
    {
        try
        {
            if (!TryTakeFrame(out var code, out _)) return true;
            Break(FatalError ?? (Exception)new PgWireProtocolException($"The server sent {BackendMessageCode.Describe(code)} on an idle connection."));
            return false;
        }
        catch (PgWireException)
        {
            return false; // TryTakeFrame broke the connector
        }
    }

    /// <summary>
    /// Handles the messages that belong to the session rather than to a request; true when the message was one of
    /// them and is done with. ReadyForQuery and FATAL errors update the session state and still go to the request.
    /// </summary>
    private bool HandleSessionMessage(byte code, ReadOnlySpan<byte> body)
    {
        switch (code)
        {
            case BackendMessageCode.ParameterStatus:
                OnParameterStatus(ParameterStatus.Parse(body));
                return true;
            case BackendMessageCode.NoticeResponse:
                NoticeCallback?.Invoke(ErrorResponse.Parse(body, "NoticeResponse"));
                return true;
            case BackendMessageCode.NotificationResponse:
                return true; // LISTEN/NOTIFY is not exposed yet; a notification is not a response to anything.
            case BackendMessageCode.ReadyForQuery:
                TransactionStatus = ReadyForQuery.Parse(body);
                return false;
            case BackendMessageCode.ErrorResponse:
                var fields = ErrorResponse.Parse(body);
                if (fields.Severity is "FATAL" or "PANIC")
                {
                    // The server ends the session after this; the error is what the caller should see.
                    FatalError = new PostgresException(fields);
                    Volatile.Write(ref _broken, 1);
                }
                return false;
            default:
                return false;
        }
    }

    /// <summary>Why the connector broke, when the first break said so (for the message of a later use).</summary>
    public string? BreakReason { get; private set; }

    /// <summary>A FATAL error the server sent before ending the session, if any.</summary>
    public PostgresException? FatalError { get; private set; }

    private void OnParameterStatus(ParameterStatus status)
    {
        _serverParameters[status.Name] = status.Value;
        if (status.Name == "client_encoding" && !status.Value.Equals("UTF8", StringComparison.OrdinalIgnoreCase))
            throw new PgWireProtocolException(
                $"The session's client_encoding changed to {status.Value}; PgWire reads and writes UTF8 only, so the connection is closed rather than decode text wrongly.");
        if (status.Name == "integer_datetimes" && status.Value != "on")
            throw new PgWireProtocolException("The server uses floating-point datetimes (integer_datetimes = off), which PgWire does not support.");
    }

    /// <summary>Arms cancellation for one request (see <see cref="RequestCancellation.Begin"/>).</summary>
    public RequestCancellation.Scope BeginCancellableRequest(CancellationToken cancellationToken, bool continuing = false) =>
        Cancellation.Begin(cancellationToken, continuing);

    /// <summary>Sends a CancelRequest for this session's backend on a new connection; true when the server took it.</summary>
    internal Task<bool> SendCancelRequest() => CancelRequestSender.SendAsync(Options, _serverEndPoint, _backendKey);

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
        return delivery is null ? ValueTask.CompletedTask : SettleAsync(delivery);
    }

    private async ValueTask SettleAsync(Task<bool> delivery)
    {
        var delivered = await delivery.ConfigureAwait(false);
        if (IsBroken) return;
        if (!delivered)
        {
            Break(null);
            return;
        }
        if (PendingSend is { } pending)
        {
            PendingSend = null;
            try
            {
                await pending.ConfigureAwait(false);
            }
            catch (PgWireException)
            {
                return; // the connector broke with it
            }
        }
        using var timeout = new CancellationTokenSource(Options.CancellationGrace);
        try
        {
            // A Sync on its own, written straight to the pipe: the output may already hold the next request.
            _writer.Write(s_sync);
            await _writer.FlushAsync(timeout.Token).ConfigureAwait(false);
            await ReceiveAsync(SettleHandler.Instance, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is PgWireException or OperationCanceledException or IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            Break(null);
        }
    }

    private static readonly byte[] s_sync = [(byte)'S', 0, 0, 0, 4];

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

    /// <summary>Marks the connector broken and closes the socket; returns the exception for the caller to throw.</summary>
    public Exception Break(Exception? reason)
    {
        if (Interlocked.Exchange(ref _broken, 1) == 0 && reason is not null) BreakReason = reason.Message;
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

    /// <summary>Sends Terminate when the session is healthy, then closes everything.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!IsBroken)
        {
            try
            {
                // Straight to the pipe: Terminate is not a request (a cancellation of the last one must not stop it).
                _out.Clear();
                FrontendMessages.WriteTerminate(_out);
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                if (PendingSend is null)
                {
                    _writer.Write(_out.WrittenMemory.Span);
                    await _writer.FlushAsync(cts.Token).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
            {
                // Closing anyway.
            }
        }
        Break(null);
        if (PendingSend is { } pending)
        {
            // A batch's sending failed with the connection; nobody is left to see it.
            PendingSend = null;
            try
            {
                await pending.ConfigureAwait(false);
            }
            catch (PgWireException)
            {
            }
        }
        await _reader.CompleteAsync().ConfigureAwait(false);
        await _writer.CompleteAsync().ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
        await Cancellation.DisposeAsync().ConfigureAwait(false);
        _out.Dispose();
    }

    public override string ToString() => $"PgConnector {{ {Options.Host}:{Options.Port}, pid {ProcessId} }}";
}

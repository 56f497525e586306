using PgWire.Connection;

namespace PgWire;

/// <summary>
/// The raw bytes of a COPY, in whatever format the statement names (text, CSV or binary): a write-only stream for
/// <c>COPY ... FROM STDIN</c>, a read-only one for <c>COPY ... TO STDOUT</c>. For files and pipes:
/// <c>await file.CopyToAsync(copyStream)</c>.
/// </summary>
/// <remarks>
/// Import: disposing the stream ends the COPY and commits it (a server error in the data is thrown from
/// <see cref="Stream.Dispose()"/> / <see cref="DisposeAsync"/>); call <see cref="Cancel"/> first to abandon it instead. Data
/// is sent in chunks of about 64 KB, each send waiting for the socket. Export: data is read from the server as it is
/// asked for; disposing before the end cancels the COPY on the server. Either way the connection is busy until the
/// stream is disposed and usable afterwards.
/// </remarks>
public sealed class PgWireCopyStream : Stream, ICopyOperation
{
    private readonly PgWireConnection _connection;
    private readonly CopyIn? _in;
    private readonly CopyOut? _out;
    private ReadOnlyMemory<byte> _pending;
    private bool _ended;

    private PgWireCopyStream(PgWireConnection connection, CopyIn? copyIn, CopyOut? copyOut)
    {
        _connection = connection;
        _in = copyIn;
        _out = copyOut;
    }

    internal static async Task<PgWireCopyStream> StartAsync(
        PgWireConnection connection, string copyCommand, CopyCommandText text, bool? binary, CancellationToken cancellationToken,
        IProgress<PgProgress>? progress = null)
    {
        connection.ThrowIfBusy();
        var connector = connection.Connector;
        var measure = CopyMeasure.Start(connector, copyCommand);
        bool isBinary;
        try
        {
            (isBinary, _) = await CopyStart.StartAsync(connector, copyCommand, text.FromClient, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            measure?.End(-1, e);
            throw;
        }
        var stream = text.FromClient ? new PgWireCopyStream(connection, new CopyIn(connector), null) : new PgWireCopyStream(connection, null, new CopyOut(connector, textRows: !isBinary));
        stream._measure = measure;
        stream._progress = Diagnostics.ProgressReporter.For(progress);
        stream._bytesAtStart = connector.BytesReceived;
        if (binary is { } wanted && wanted != isBinary)
        {
            await stream.AbortAsync().ConfigureAwait(false);
            throw new ArgumentException(isBinary
                ? "This COPY is in FORMAT BINARY: read or write it with BeginBinaryImport, BeginBinaryExport or BeginRawCopy, not as text."
                : "This COPY is in a text format (text or CSV): BeginRawCopy or BeginTextImport/BeginTextExport.", nameof(copyCommand));
        }
        connection.ActiveCopy = stream;
        return stream;
    }

    private CopyMeasure? _measure;
    private Diagnostics.ProgressReporter? _progress;
    private long _bytesAtStart;

    /// <summary>Whether this stream is COPY ... TO STDOUT (read from it).</summary>
    public override bool CanRead => _out is not null && !_ended;

    /// <summary>Whether this stream is COPY ... FROM STDIN (write to it).</summary>
    public override bool CanWrite => _in is not null && !_ended;

    /// <summary>False: COPY data flows one way.</summary>
    public override bool CanSeek => false;

    /// <summary>Not supported.</summary>
    public override long Length => throw new NotSupportedException("A COPY stream has no length.");

    /// <summary>Not supported.</summary>
    public override long Position
    {
        get => throw new NotSupportedException("A COPY stream has no position.");
        set => throw new NotSupportedException("A COPY stream cannot seek.");
    }

    /// <summary>Rows the server reported copied, once the COPY has ended; -1 before.</summary>
    public long Rows { get; private set; } = -1;

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        var copy = Importing();
        copy.Output.WriteBytes(buffer);
        if (!copy.ShouldFlush) return;
        copy.FlushAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
        _progress?.Now(-1, copy.Sent);
    }

    /// <inheritdoc />
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var copy = Importing();
        copy.Output.WriteBytes(buffer.Span);
        if (copy.ShouldFlush || cancellationToken.IsCancellationRequested)
        {
            try
            {
                await copy.FlushAsync(cancellationToken).ConfigureAwait(false);
                _progress?.Now(-1, copy.Sent);
            }
            catch (OperationCanceledException)
            {
                await AbortAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>Sends what was written so far.</summary>
    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>Sends what was written so far (nothing to do when reading).</summary>
    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_in is not null && !_ended) await _in.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty) return 0;
        if (_pending.IsEmpty && !FillAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult()) return 0;
        return Take(buffer);
    }

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty) return 0;
        if (_pending.IsEmpty && !await FillAsync(cancellationToken).ConfigureAwait(false)) return 0;
        return Take(buffer.Span);
    }

    /// <summary>Gets the server's next payload; false at the end of the data.</summary>
    private async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        var copy = Exporting();
        while (_pending.IsEmpty)
        {
            if (_ended) return false;
            _pending = await copy.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (_pending.IsEmpty)
            {
                _ended = true;
                Rows = copy.Rows;
                Release();
                _measure?.End(Rows, null);
                _progress?.Complete(Rows, copy.Connector.BytesReceived - _bytesAtStart);
                return false;
            }
            _progress?.Tick(copy.RowsSoFar, copy.Connector.BytesReceived - _bytesAtStart);
        }
        return true;
    }

    private int Take(Span<byte> buffer)
    {
        var n = Math.Min(buffer.Length, _pending.Length);
        _pending.Span[..n].CopyTo(buffer);
        _pending = _pending[n..];
        return n;
    }

    /// <summary>Not supported.</summary>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("A COPY stream cannot seek.");

    /// <summary>Not supported.</summary>
    public override void SetLength(long value) => throw new NotSupportedException("A COPY stream has no length.");

    /// <summary>
    /// Abandons the COPY: an import is failed on the server (nothing of it is kept), an export is cancelled. The
    /// connection is usable afterwards.
    /// </summary>
    public void Cancel() => CancelAsync().GetAwaiter().GetResult();

    /// <summary>
    /// Abandons the COPY: an import is failed on the server (nothing of it is kept), an export is cancelled. The
    /// connection is usable afterwards.
    /// </summary>
    public async Task CancelAsync() => await AbortAsync().ConfigureAwait(false);

    /// <summary>Ends the COPY: an import is committed (a server error in its data is thrown here), an unfinished export is cancelled.</summary>
    public override async ValueTask DisposeAsync()
    {
        if (!_ended)
        {
            if (_in is not null)
            {
                _ended = true;
                Release();
                try
                {
                    Rows = await _in.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    _measure?.End(-1, e);
                    throw;
                }
                _measure?.End(Rows, null);
                _progress?.Complete(Rows, _in.Sent);
            }
            else
            {
                await AbortAsync().ConfigureAwait(false);
            }
        }
        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_ended) DisposeAsync().AsTask().GetAwaiter().GetResult();
        base.Dispose(disposing);
    }

    async ValueTask ICopyOperation.AbortAsync() => await AbortAsync().ConfigureAwait(false);

    private async ValueTask AbortAsync()
    {
        if (_ended) return;
        _ended = true;
        Release();
        _measure?.Abandoned();
        if (_in is not null) await _in.CancelAsync("the client cancelled the COPY").ConfigureAwait(false);
        else await _out!.AbandonAsync().ConfigureAwait(false);
    }

    private CopyIn Importing()
    {
        if (_in is null) throw new NotSupportedException("This COPY sends data to the client (TO STDOUT): read from the stream.");
        ObjectDisposedException.ThrowIf(_ended, this);
        return _in;
    }

    private CopyOut Exporting()
    {
        if (_out is null) throw new NotSupportedException("This COPY takes data from the client (FROM STDIN): write to the stream.");
        return _out;
    }

    private void Release()
    {
        if (ReferenceEquals(_connection.ActiveCopy, this)) _connection.ActiveCopy = null;
    }
}

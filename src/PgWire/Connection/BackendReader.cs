using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using PgWire.Protocol;

namespace PgWire.Connection;

/// <summary>
/// Pulls whole backend messages out of the connection's <see cref="PipeReader"/>, and is the only caller of
/// <see cref="PipeReader.AdvanceTo(SequencePosition, SequencePosition)"/>. Bytes already received are handed out frame
/// by frame without touching the pipe; the pipe is advanced only when more bytes are needed.
/// </summary>
internal sealed class BackendReader(PipeReader reader, int maxMessageSize)
{
    private ReadOnlySequence<byte> _buffer;
    private ReadOnlyMemory<byte> _current; // the unread rest of the segment the next frame most likely lies in
    private long _consumed;
    private bool _holding;
    private bool _completed;
    private byte[] _scratch = new byte[1024];
    private ReadOnlyMemory<byte> _aside;   // whole frames (header included) read ahead and set aside, see SetAside
    private ReadOnlyMemory<byte> _replay;  // set-aside frames being handed out again, before the pipe's
    private ReadOnlyMemory<byte> _resume;  // the pipe segment's unread rest, while the replay goes first
    private bool _replaying;

    /// <summary>True once the server closed the connection (no more bytes will come after those received).</summary>
    public bool IsCompleted => _completed;

    /// <summary>Bytes received but not yet handed out as whole frames.</summary>
    public long Unread => (_holding ? _buffer.Length - _consumed : 0) + _replay.Length;

    /// <summary>
    /// Keeps frames that were read ahead of their turn (the rest of one response, so that the session can run another
    /// request first): <see cref="Replay"/> hands them out again, before anything received after them.
    /// </summary>
    /// <param name="frames">Whole frames, each with its code and length, in the order they arrived.</param>
    public void SetAside(ReadOnlyMemory<byte> frames)
    {
        if (_replaying || !_aside.IsEmpty) throw new System.Diagnostics.UnreachableException("BUG: frames are already set aside.");
        _aside = frames;
    }

    /// <summary>
    /// Copies the frames already received, as they arrived, into <paramref name="aside"/> up to and including a
    /// ReadyForQuery; true when it came (the frames are then set aside, see <see cref="SetAside"/>), false when more
    /// bytes are needed.
    /// </summary>
    public bool TryCollectAsideThroughReady(ArrayBufferWriter<byte> aside)
    {
        while (TryRead(out var code, out var body))
        {
            // Byte1 code, Int32 length (itself included), body: the frame as it arrived.
            var frame = aside.GetSpan(FrameReader.HeaderLength + body.Length);
            frame[0] = code;
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(frame[1..], body.Length + 4);
            body.Span.CopyTo(frame[FrameReader.HeaderLength..]);
            aside.Advance(FrameReader.HeaderLength + body.Length);
            if (code != BackendMessageCode.ReadyForQuery) continue;
            SetAside(aside.WrittenMemory);
            return true;
        }
        return false;
    }

    /// <summary>Hands out the set-aside frames next, then goes on with the pipe where it was.</summary>
    public void Replay()
    {
        if (_aside.IsEmpty) return;
        _replay = _aside;
        _aside = default;
        _resume = _current;
        _current = default; // the fast path finds nothing and the slow path replays
        _replaying = true;
    }

    /// <summary>
    /// Takes the next whole frame from the bytes already received; false when more bytes are needed.
    /// Bad lengths throw <see cref="PgWireProtocolException"/>.
    /// </summary>
    /// <remarks>
    /// <paramref name="body"/> is a view over the pipe's memory, or over a scratch copy for a frame split across
    /// segments: valid until the next <see cref="TryRead"/> or <see cref="FillAsync"/>.
    /// </remarks>
    public bool TryRead(out byte code, out ReadOnlyMemory<byte> body)
    {
        // Fast path: the frame lies whole in the current segment.
        if (FrameReader.TryReadContiguous(_current.Span, maxMessageSize, out code, out var span, out var frameLength))
        {
            body = _current.Slice(FrameReader.HeaderLength, span.Length);
            _current = _current[frameLength..];
            _consumed += frameLength;
            return true;
        }
        body = default;
        if (_replaying) return TryReplay(out code, out body);
        if (!_holding) return false;

        var rest = _buffer.Slice(_consumed);
        var sequenceReader = new SequenceReader<byte>(rest);
        if (!FrameReader.TryRead(ref sequenceReader, maxMessageSize, out code, out var split)) return false;
        body = split.IsSingleSegment ? split.First : CopyToScratch(split);
        _consumed += sequenceReader.Consumed;
        _current = rest.Slice(sequenceReader.Position).First;
        return true;
    }

    private bool TryReplay(out byte code, out ReadOnlyMemory<byte> body)
    {
        if (!FrameReader.TryReadContiguous(_replay.Span, maxMessageSize, out code, out var span, out var frameLength))
            throw new System.Diagnostics.UnreachableException("BUG: set-aside frames are whole.");
        body = _replay.Slice(FrameReader.HeaderLength, span.Length);
        _replay = _replay[frameLength..];
        if (_replay.IsEmpty)
        {
            _replaying = false;
            _current = _resume;
            _resume = default;
        }
        return true;
    }

    /// <summary>Bytes the last <see cref="FillAsync"/> added (for the bytes-received counter).</summary>
    public long Received { get; private set; }

    /// <summary>
    /// Gives the pipe back everything handed out so far and waits for more bytes. False when the server closed the
    /// connection and no more bytes will come.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // called once per receive buffer: no box per call
    public async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_replaying) throw new System.Diagnostics.UnreachableException("BUG: more bytes asked for while set-aside frames wait.");
        long unread = 0;
        if (_holding)
        {
            unread = _buffer.Length - _consumed; // before AdvanceTo, after which the segments are the pipe's again
            reader.AdvanceTo(_buffer.GetPosition(_consumed), _buffer.End);
            _holding = false;
            _current = default;
        }
        if (_completed) return false;
        var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        _buffer = result.Buffer;
        Received = _buffer.Length - unread;
        _consumed = 0;
        _current = _buffer.First;
        _holding = true;
        _completed = result.IsCompleted;
        // The close may come with the last bytes or on its own: on its own (nothing new), it is the end already.
        return !_completed || _buffer.Length > unread;
    }

    private ReadOnlyMemory<byte> CopyToScratch(in ReadOnlySequence<byte> body)
    {
        if (_scratch.Length < body.Length) _scratch = new byte[Math.Max((int)body.Length, _scratch.Length * 2)];
        body.CopyTo(_scratch);
        return _scratch.AsMemory(0, (int)body.Length);
    }
}

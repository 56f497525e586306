using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace PgWire.Protocol;

/// <summary>
/// A growable buffer of frontend messages backed by a pooled array. One lives per connection and is reused, so
/// writing a message allocates nothing once the buffer has grown to its working size. Message lengths are patched in
/// place when a message ends, which a plain <see cref="IBufferWriter{T}"/> cannot do.
/// </summary>
internal sealed class MessageBuffer : IBufferWriter<byte>, ILengthPrefixWriter, IDisposable
{
    private byte[] _buffer;
    private int _written;

    public MessageBuffer(int initialSize = 8192) => _buffer = ArrayPool<byte>.Shared.Rent(initialSize);

    /// <summary>The bytes written so far.</summary>
    /// <remarks>Valid until the next write or <see cref="Clear"/>.</remarks>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    public int WrittenCount => _written;

    public void Clear() => _written = 0;

    /// <summary>Drops what was written after <paramref name="length"/> bytes (a message that could not be finished).</summary>
    public void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, _written);
        _written = length;
    }

    public void Advance(int count)
    {
        if (count < 0 || _written + count > _buffer.Length) throw new ArgumentOutOfRangeException(nameof(count));
        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(Math.Max(sizeHint, 1)); // A hint of 0 still asks for a non-empty buffer.
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(Math.Max(sizeHint, 1));
        return _buffer.AsSpan(_written);
    }

    /// <summary>Starts a message: writes the code and a placeholder length; returns where the length goes.</summary>
    public int StartMessage(byte code)
    {
        Ensure(5);
        _buffer[_written] = code;
        var lengthAt = _written + 1;
        _written += 5;
        return lengthAt;
    }

    /// <summary>Starts a message without a type byte (StartupMessage, CancelRequest, SSLRequest).</summary>
    public int StartUntypedMessage()
    {
        Ensure(4);
        var lengthAt = _written;
        _written += 4;
        return lengthAt;
    }

    /// <summary>Ends the message begun at <paramref name="lengthAt"/>: its Int32 length counts itself and the body.</summary>
    public void EndMessage(int lengthAt) =>
        BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(lengthAt), _written - lengthAt);

    public void WriteByte(byte value)
    {
        Ensure(1);
        _buffer[_written++] = value;
    }

    public void WriteInt16(short value)
    {
        Ensure(2);
        BinaryPrimitives.WriteInt16BigEndian(_buffer.AsSpan(_written), value);
        _written += 2;
    }

    public void WriteInt32(int value)
    {
        Ensure(4);
        BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(_written), value);
        _written += 4;
    }

    /// <summary>Reserves an Int32 to be patched later (a parameter length); returns its position.</summary>
    public int ReserveInt32()
    {
        Ensure(4);
        var at = _written;
        _written += 4;
        return at;
    }

    public void PatchInt32(int at, int value) => BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(at), value);

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_written));
        _written += bytes.Length;
    }

    /// <summary>Writes a NUL-terminated UTF-8 string. A NUL inside the string would end it early: that is refused.</summary>
    public void WriteCString(string value, string what)
    {
        if (value.Contains('\0'))
            throw new ArgumentException($"The {what} contains a NUL character (\\0), which the PostgreSQL protocol cannot carry.");
        var count = Encoding.UTF8.GetByteCount(value);
        Ensure(count + 1);
        _written += Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_written));
        _buffer[_written++] = 0;
    }

    public void WriteCString(ReadOnlySpan<byte> utf8)
    {
        Ensure(utf8.Length + 1);
        utf8.CopyTo(_buffer.AsSpan(_written));
        _written += utf8.Length;
        _buffer[_written++] = 0;
    }

    private void Ensure(int count)
    {
        if (_buffer.Length - _written >= count) return;
        var size = Math.Max(_buffer.Length * 2, _written + count);
        var bigger = ArrayPool<byte>.Shared.Rent(size);
        _buffer.AsSpan(0, _written).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _written = 0;
        if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer);
    }
}

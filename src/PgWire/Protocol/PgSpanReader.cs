using System.Buffers.Binary;
using System.Text;

namespace PgWire.Protocol;

/// <summary>
/// A bounds-checked big-endian reader over one message body. Every read checks the remaining length first and
/// throws <see cref="PgWireProtocolException"/> naming the message when the server's bytes run short.
/// </summary>
internal ref struct PgSpanReader
{
    private readonly ReadOnlySpan<byte> _span;
    private readonly string _message;
    private int _position;

    public PgSpanReader(ReadOnlySpan<byte> span, string message)
    {
        _span = span;
        _message = message;
        _position = 0;
    }

    public readonly int Remaining => _span.Length - _position;

    public readonly int Position => _position;

    public byte ReadByte()
    {
        Need(1, "a byte");
        return _span[_position++];
    }

    public short ReadInt16()
    {
        Need(2, "an Int16");
        var value = BinaryPrimitives.ReadInt16BigEndian(_span[_position..]);
        _position += 2;
        return value;
    }

    public int ReadInt32()
    {
        Need(4, "an Int32");
        var value = BinaryPrimitives.ReadInt32BigEndian(_span[_position..]);
        _position += 4;
        return value;
    }

    public uint ReadUInt32() => unchecked((uint)ReadInt32());

    public ReadOnlySpan<byte> ReadBytes(int count)
    {
        if (count < 0) throw Error($"a negative byte count ({count})");
        Need(count, $"{count} bytes");
        var bytes = _span.Slice(_position, count);
        _position += count;
        return bytes;
    }

    /// <summary>Reads a NUL-terminated UTF-8 string.</summary>
    public string ReadCString()
    {
        var rest = _span[_position..];
        var end = rest.IndexOf((byte)0);
        if (end < 0) throw Error("a string without its NUL terminator");
        _position += end + 1;
        return Encoding.UTF8.GetString(rest[..end]);
    }

    /// <summary>Reads a NUL-terminated string and returns its bytes without the terminator.</summary>
    public ReadOnlySpan<byte> ReadCStringBytes()
    {
        var rest = _span[_position..];
        var end = rest.IndexOf((byte)0);
        if (end < 0) throw Error("a string without its NUL terminator");
        _position += end + 1;
        return rest[..end];
    }

    public ReadOnlySpan<byte> ReadToEnd()
    {
        var rest = _span[_position..];
        _position = _span.Length;
        return rest;
    }

    public readonly void ExpectEnd()
    {
        if (_position != _span.Length)
            throw new PgWireProtocolException(
                $"{_message} message has {_span.Length - _position} unexpected trailing bytes (length {_span.Length}).");
    }

    private readonly void Need(int count, string what)
    {
        if (_span.Length - _position < count) throw Error(what);
    }

    private readonly PgWireProtocolException Error(string what) => new(
        $"{_message} message is truncated: expected {what} at offset {_position} but the body has {_span.Length} bytes.");
}

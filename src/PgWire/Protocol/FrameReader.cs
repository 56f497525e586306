using System.Buffers;

namespace PgWire.Protocol;

/// <summary>Splits a byte stream from the server into backend messages.</summary>
internal static class FrameReader
{
    /// <summary>The size of a message header: Byte1 type code, Int32 length (counting itself, not the code).</summary>
    public const int HeaderLength = 5;

    /// <summary>
    /// Reads one whole message that lies entirely in <paramref name="span"/>, the common case when the pipe's segment
    /// holds many frames. False when the frame is incomplete here (the caller falls back to the sequence reader).
    /// Bad lengths throw exactly as in the sequence path.
    /// </summary>
    /// <remarks><paramref name="body"/> is a view over <paramref name="span"/>.</remarks>
    public static bool TryReadContiguous(ReadOnlySpan<byte> span, int maxMessageLength, out byte code, out ReadOnlySpan<byte> body, out int frameLength)
    {
        body = default;
        frameLength = 0;
        code = 0;
        if (span.Length < HeaderLength) return false;
        code = span[0];
        var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(span[1..]);
        CheckLength(code, length, maxMessageLength);
        if (span.Length - 1 < length) return false;
        body = span.Slice(HeaderLength, length - 4);
        frameLength = length + 1;
        return true;
    }

    private static void CheckLength(byte code, int length, int maxMessageLength)
    {
        if (length < 4)
            throw new PgWireProtocolException(
                $"The server sent a {BackendMessageCode.Describe(code)} message with length {length}; a message length is at least 4.");
        if (length > maxMessageLength)
            throw new PgWireProtocolException(
                $"The server sent a {BackendMessageCode.Describe(code)} message of {length} bytes, above the maximum of {maxMessageLength} (Max Message Size).");
    }

    /// <summary>
    /// Reads one whole message. When the frame is incomplete it consumes nothing, returns false, and the caller waits
    /// for more bytes. A length below 4 or above <paramref name="maxMessageLength"/> throws
    /// <see cref="PgWireProtocolException"/> as soon as the header is visible.
    /// </summary>
    /// <remarks><paramref name="body"/> is a view over the reader's memory, valid until the caller advances the pipe.</remarks>
    public static bool TryRead(ref SequenceReader<byte> reader, int maxMessageLength, out byte code, out ReadOnlySequence<byte> body)
    {
        body = default;
        code = 0;
        if (reader.Remaining < HeaderLength) return false;

        var consumedBefore = reader.Consumed;
        // Byte1 code, Int32 length (includes the 4 length bytes), then length - 4 body bytes.
        reader.TryRead(out code);
        reader.TryReadBigEndian(out int length);
        CheckLength(code, length, maxMessageLength);

        var bodyLength = length - 4;
        if (reader.Remaining < bodyLength)
        {
            reader.Rewind(reader.Consumed - consumedBefore);
            return false;
        }

        body = reader.UnreadSequence.Slice(0, bodyLength);
        reader.Advance(bodyLength);
        return true;
    }
}

using System.Buffers;

namespace PgWire.Protocol;

/// <summary>Splits a byte stream from the server into backend messages.</summary>
internal static class FrameReader
{
    /// <summary>The size of a message header: Byte1 type code, Int32 length (counting itself, not the code).</summary>
    public const int HeaderLength = 5;

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
        if (length < 4)
            throw new PgWireProtocolException(
                $"The server sent a {BackendMessageCode.Describe(code)} message with length {length}; a message length is at least 4.");
        if (length > maxMessageLength)
            throw new PgWireProtocolException(
                $"The server sent a {BackendMessageCode.Describe(code)} message of {length} bytes, above the maximum of {maxMessageLength} (Max Message Size).");

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

using System.Buffers;
using System.Text;

namespace PgWire.Types;

/// <summary>
/// text, varchar, bpchar, name, json, and the text form of any type without a binary codec: UTF-8 bytes.
/// </summary>
internal sealed class TextCodec : PgCodec<string>
{
    public static readonly TextCodec Instance = new();

    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public override string Read(ReadOnlySpan<byte> value)
    {
        try
        {
            return s_strictUtf8.GetString(value);
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidCastException("the server sent text that is not valid UTF-8", e);
        }
    }

    public override void Write(string value, IBufferWriter<byte> writer)
    {
        var count = s_strictUtf8.GetByteCount(value);
        var written = s_strictUtf8.GetBytes(value, writer.GetSpan(count));
        writer.Advance(written);
    }

    public override bool CanWrite(object value) => value is string or char;

    public override bool TryWriteObject(object value, IBufferWriter<byte> writer)
    {
        switch (value)
        {
            case string s:
                Write(s, writer);
                return true;
            case char c:
                Write(c.ToString(), writer);
                return true;
            default:
                return false;
        }
    }
}

/// <summary>jsonb: Byte1 version (1), then the JSON text in UTF-8.</summary>
internal sealed class JsonbCodec : PgCodec<string>
{
    public static readonly JsonbCodec Instance = new();

    private const byte Version = 1;

    public override string Read(ReadOnlySpan<byte> value)
    {
        if (value.Length == 0) throw new InvalidCastException("a jsonb value is empty; it starts with a version byte");
        if (value[0] != Version) throw new InvalidCastException($"the jsonb value has format version {value[0]}; only version 1 is known");
        return TextCodec.Instance.Read(value[1..]);
    }

    public override void Write(string value, IBufferWriter<byte> writer)
    {
        writer.GetSpan(1)[0] = Version;
        writer.Advance(1);
        TextCodec.Instance.Write(value, writer);
    }
}

/// <summary>bytea: the raw bytes.</summary>
internal sealed class ByteaCodec : PgCodec<byte[]>
{
    public static readonly ByteaCodec Instance = new();

    public override byte[] Read(ReadOnlySpan<byte> value) => value.ToArray();

    public override void Write(byte[] value, IBufferWriter<byte> writer) => writer.Write(value);

    public override bool CanWrite(object value) => value is byte[] or ReadOnlyMemory<byte> or Memory<byte>;

    public override bool TryWriteObject(object value, IBufferWriter<byte> writer)
    {
        switch (value)
        {
            case byte[] bytes:
                writer.Write(bytes);
                return true;
            case ReadOnlyMemory<byte> memory:
                writer.Write(memory.Span);
                return true;
            case Memory<byte> memory:
                writer.Write(memory.Span);
                return true;
            default:
                return false;
        }
    }
}

/// <summary>uuid: 16 bytes in RFC 4122 (big-endian) order.</summary>
internal sealed class UuidCodec : PgCodec<Guid>
{
    public static readonly UuidCodec Instance = new();

    public override Guid Read(ReadOnlySpan<byte> value) =>
        value.Length == 16 ? new Guid(value, bigEndian: true) : throw WrongLength("uuid", 16, value.Length);

    public override void Write(Guid value, IBufferWriter<byte> writer)
    {
        value.TryWriteBytes(writer.GetSpan(16), bigEndian: true, out _);
        writer.Advance(16);
    }
}

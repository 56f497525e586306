using System.Buffers;
using System.Text;
using System.Text.Json;

namespace PgWire.Types;

/// <summary>
/// text, varchar, bpchar, name, json, and the text form of any type without a binary codec: UTF-8 bytes. Also reads as
/// char: the first character of a non-empty value (for <c>char(1)</c> columns and <c>GetChar</c>).
/// </summary>
internal sealed class TextCodec : PgCodec<string>, IPgReader<char>
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

    char IPgReader<char>.Read(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty) throw new InvalidCastException("the text value is empty, so it has no first character");
        // Only the first UTF-8 sequence is decoded, not the whole value.
        if (Rune.DecodeFromUtf8(value, out var first, out _) != System.Buffers.OperationStatus.Done)
            throw new InvalidCastException("the server sent text that is not valid UTF-8");
        return first.IsBmp ? (char)first.Value
            : throw new InvalidCastException("the first character of the text value is outside the Basic Multilingual Plane, which a char cannot hold");
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

/// <summary>
/// json and jsonb: the JSON text in UTF-8; jsonb's binary form starts with a version byte (1). Reads as string,
/// JsonDocument or JsonElement; any T through System.Text.Json with <c>GetJson&lt;T&gt;</c>.
/// </summary>
internal sealed class JsonCodec(bool binaryVersion) : PgCodec<string>, IPgReader<JsonDocument>, IPgReader<JsonElement>,
    IPgWriter<JsonDocument>, IPgWriter<JsonElement>
{
    public static readonly JsonCodec Json = new(false);
    public static readonly JsonCodec Jsonb = new(true);

    private const byte Version = 1;

    /// <summary>The UTF-8 JSON text of a value.</summary>
    public ReadOnlySpan<byte> Utf8(ReadOnlySpan<byte> value)
    {
        if (!binaryVersion) return value;
        if (value.Length == 0) throw new InvalidCastException("a jsonb value is empty; it starts with a version byte");
        if (value[0] != Version) throw new InvalidCastException($"the jsonb value has format version {value[0]}; only version 1 is known");
        return value[1..];
    }

    public override string Read(ReadOnlySpan<byte> value) => TextCodec.Instance.Read(Utf8(value));

    JsonDocument IPgReader<JsonDocument>.Read(ReadOnlySpan<byte> value)
    {
        try
        {
            return JsonDocument.Parse(Utf8(value).ToArray());
        }
        catch (JsonException e)
        {
            throw new InvalidCastException($"the value is not valid JSON: {e.Message}", e);
        }
    }

    JsonElement IPgReader<JsonElement>.Read(ReadOnlySpan<byte> value)
    {
        using var document = ((IPgReader<JsonDocument>)this).Read(value);
        return document.RootElement.Clone();
    }

    public override void Write(string value, IBufferWriter<byte> writer)
    {
        WriteVersion(writer);
        TextCodec.Instance.Write(value, writer);
    }

    public void Write(JsonDocument value, IBufferWriter<byte> writer) => Write(value.RootElement, writer);

    public void Write(JsonElement value, IBufferWriter<byte> writer)
    {
        WriteVersion(writer);
        using var json = new Utf8JsonWriter(writer);
        value.WriteTo(json);
    }

    /// <summary>Writes UTF-8 JSON text already serialized.</summary>
    public void WriteUtf8(ReadOnlySpan<byte> utf8, IBufferWriter<byte> writer)
    {
        WriteVersion(writer);
        writer.Write(utf8);
    }

    public override bool CanWrite(object value) => value is string or JsonDocument or JsonElement or PgJson;

    public override bool TryWriteObject(object value, IBufferWriter<byte> writer)
    {
        switch (value)
        {
            case string s:
                Write(s, writer);
                return true;
            case JsonDocument d:
                Write(d, writer);
                return true;
            case JsonElement e:
                Write(e, writer);
                return true;
            case PgJson j:
                WriteUtf8(j.Utf8.Span, writer);
                return true;
            default:
                return false;
        }
    }

    private void WriteVersion(IBufferWriter<byte> writer)
    {
        if (!binaryVersion) return;
        writer.GetSpan(1)[0] = Version;
        writer.Advance(1);
    }
}

/// <summary>bytea: the raw bytes.</summary>
internal sealed class ByteaCodec : PgCodec<byte[]>, IPgReader<ReadOnlyMemory<byte>>, IPgReader<Stream>
{
    public static readonly ByteaCodec Instance = new();

    public override byte[] Read(ReadOnlySpan<byte> value) => value.ToArray();

    ReadOnlyMemory<byte> IPgReader<ReadOnlyMemory<byte>>.Read(ReadOnlySpan<byte> value) => value.ToArray();

    /// <summary>A read-only stream over a copy of the value (the row's memory is pooled and may be reused).</summary>
    Stream IPgReader<Stream>.Read(ReadOnlySpan<byte> value) => new MemoryStream(value.ToArray(), writable: false);

    public override void Write(byte[] value, IBufferWriter<byte> writer) => writer.Write(value);

    /// <summary>A stream parameter's bytes: from its current position to its end.</summary>
    public static byte[] ReadToEnd(Stream stream)
    {
        if (!stream.CanRead) throw new InvalidCastException("the stream cannot be read");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    public override bool CanWrite(object value) => value is byte[] or ReadOnlyMemory<byte> or Memory<byte> or Stream;

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
            case Stream stream:
                writer.Write(ReadToEnd(stream));
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

using System.Buffers;
using System.Buffers.Binary;
using PgWire.Types;
using Xunit;

namespace PgWire.Tests.Types;

public class ArrayCodecTests
{
    private static readonly StructArrayCodec<int> s_codec = new(23, "integer", Int4Codec.Instance);

    [Fact]
    public void Writes_and_reads_back_with_nulls()
    {
        var writer = new ArrayBufferWriter<byte>();
        Assert.True(s_codec.TryWriteObject(new int?[] { 1, null, 3 }, writer));
        Assert.Equal(new int?[] { 1, null, 3 }, ((IPgReader<int?[]>)s_codec).Read(writer.WrittenSpan));
    }

    [Fact]
    public void An_element_count_the_bytes_cannot_hold_is_refused_before_allocating()
    {
        var bytes = new byte[20];
        BinaryPrimitives.WriteInt32BigEndian(bytes, 1);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(8), 23);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), int.MaxValue); // 2 billion elements in 8 bytes
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(16), 1);
        Assert.Contains("more than", Assert.Throws<InvalidCastException>(() => s_codec.Read(bytes)).Message);
    }

    [Fact]
    public void Every_truncation_is_a_clear_error()
    {
        var writer = new ArrayBufferWriter<byte>();
        s_codec.Write([1, 2, 3], writer);
        var bytes = writer.WrittenSpan.ToArray();
        for (var length = 0; length < bytes.Length; length++)
            Assert.Throws<InvalidCastException>(() => s_codec.Read(bytes.AsSpan(0, length)));
    }

    [Fact]
    public void Elements_of_another_type_are_refused()
    {
        var writer = new ArrayBufferWriter<byte>();
        Assert.False(s_codec.TryWriteObject(new[] { "a" }, writer));
        var bytes = new byte[12];
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(8), 25); // text elements
        Assert.Contains("OID 25", Assert.Throws<InvalidCastException>(() => s_codec.Read(bytes)).Message);
    }
}

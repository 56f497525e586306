using System.Buffers;
using System.Buffers.Binary;

namespace PgWire.Types;

/// <summary>bool: one byte, 0 or 1.</summary>
internal sealed class BoolCodec : PgCodec<bool>
{
    public static readonly BoolCodec Instance = new();

    public override bool Read(ReadOnlySpan<byte> value) =>
        value.Length == 1 ? value[0] != 0 : throw WrongLength("bool", 1, value.Length);

    public override void Write(bool value, IBufferWriter<byte> writer)
    {
        writer.GetSpan(1)[0] = value ? (byte)1 : (byte)0;
        writer.Advance(1);
    }
}

/// <summary>int2: Int16 big-endian. Reads widen to int and long.</summary>
internal sealed class Int2Codec : PgCodec<short>, IPgReader<int>, IPgReader<long>
{
    public static readonly Int2Codec Instance = new();

    public override short Read(ReadOnlySpan<byte> value) =>
        value.Length == 2 ? BinaryPrimitives.ReadInt16BigEndian(value) : throw WrongLength("int2", 2, value.Length);

    int IPgReader<int>.Read(ReadOnlySpan<byte> value) => Read(value);

    long IPgReader<long>.Read(ReadOnlySpan<byte> value) => Read(value);

    public override void Write(short value, IBufferWriter<byte> writer)
    {
        BinaryPrimitives.WriteInt16BigEndian(writer.GetSpan(2), value);
        writer.Advance(2);
    }
}

/// <summary>int4: Int32 big-endian. Reads widen to long.</summary>
internal sealed class Int4Codec : PgCodec<int>, IPgReader<long>
{
    public static readonly Int4Codec Instance = new();

    public override int Read(ReadOnlySpan<byte> value) =>
        value.Length == 4 ? BinaryPrimitives.ReadInt32BigEndian(value) : throw WrongLength("int4", 4, value.Length);

    long IPgReader<long>.Read(ReadOnlySpan<byte> value) => Read(value);

    public override void Write(int value, IBufferWriter<byte> writer)
    {
        BinaryPrimitives.WriteInt32BigEndian(writer.GetSpan(4), value);
        writer.Advance(4);
    }
}

/// <summary>int8: Int64 big-endian.</summary>
internal sealed class Int8Codec : PgCodec<long>
{
    public static readonly Int8Codec Instance = new();

    public override long Read(ReadOnlySpan<byte> value) =>
        value.Length == 8 ? BinaryPrimitives.ReadInt64BigEndian(value) : throw WrongLength("int8", 8, value.Length);

    public override void Write(long value, IBufferWriter<byte> writer)
    {
        BinaryPrimitives.WriteInt64BigEndian(writer.GetSpan(8), value);
        writer.Advance(8);
    }
}

/// <summary>float4: IEEE 754 single, big-endian. Reads widen to double.</summary>
internal sealed class Float4Codec : PgCodec<float>, IPgReader<double>
{
    public static readonly Float4Codec Instance = new();

    public override float Read(ReadOnlySpan<byte> value) =>
        value.Length == 4 ? BinaryPrimitives.ReadSingleBigEndian(value) : throw WrongLength("float4", 4, value.Length);

    double IPgReader<double>.Read(ReadOnlySpan<byte> value) => Read(value);

    public override void Write(float value, IBufferWriter<byte> writer)
    {
        BinaryPrimitives.WriteSingleBigEndian(writer.GetSpan(4), value);
        writer.Advance(4);
    }
}

/// <summary>float8: IEEE 754 double, big-endian.</summary>
internal sealed class Float8Codec : PgCodec<double>
{
    public static readonly Float8Codec Instance = new();

    public override double Read(ReadOnlySpan<byte> value) =>
        value.Length == 8 ? BinaryPrimitives.ReadDoubleBigEndian(value) : throw WrongLength("float8", 8, value.Length);

    public override void Write(double value, IBufferWriter<byte> writer)
    {
        BinaryPrimitives.WriteDoubleBigEndian(writer.GetSpan(8), value);
        writer.Advance(8);
    }
}

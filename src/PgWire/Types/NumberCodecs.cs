using System.Buffers;
using System.Buffers.Binary;

namespace PgWire.Types;

/// <summary>bool: one byte, 0 or 1.</summary>
internal sealed class BoolCodec : PgCodec, IPgReader<bool>, IPgWriter<bool>
{
    public static readonly BoolCodec Instance = new();

    public override Type DefaultClrType => typeof(bool);

    public bool Read(ReadOnlySpan<byte> value) =>
        value.Length == 1 ? value[0] != 0 : throw WrongLength("bool", 1, value.Length);

    public void Write(bool value, IBufferWriter<byte> writer)
    {
        writer.GetSpan(1)[0] = value ? (byte)1 : (byte)0;
        writer.Advance(1);
    }

    public override object ReadAsObject(ReadOnlySpan<byte> value) => Read(value);

    public override bool TryWriteObject(object value, IBufferWriter<byte> writer)
    {
        if (value is not bool b) return false;
        Write(b, writer);
        return true;
    }
}

/// <summary>int2: Int16 big-endian. Reads widen to int and long.</summary>
internal sealed class Int2Codec : PgCodec, IPgReader<short>, IPgReader<int>, IPgReader<long>, IPgWriter<short>
{
    public static readonly Int2Codec Instance = new();

    public override Type DefaultClrType => typeof(short);

    public short Read(ReadOnlySpan<byte> value) =>
        value.Length == 2 ? BinaryPrimitives.ReadInt16BigEndian(value) : throw WrongLength("int2", 2, value.Length);

    int IPgReader<int>.Read(ReadOnlySpan<byte> value) => Read(value);

    long IPgReader<long>.Read(ReadOnlySpan<byte> value) => Read(value);

    public void Write(short value, IBufferWriter<byte> writer)
    {
        BinaryPrimitives.WriteInt16BigEndian(writer.GetSpan(2), value);
        writer.Advance(2);
    }

    public override object ReadAsObject(ReadOnlySpan<byte> value) => Read(value);

    public override bool TryWriteObject(object value, IBufferWriter<byte> writer)
    {
        if (value is not short s) return false;
        Write(s, writer);
        return true;
    }
}

/// <summary>int4: Int32 big-endian. Reads widen to long.</summary>
internal sealed class Int4Codec : PgCodec, IPgReader<int>, IPgReader<long>, IPgWriter<int>
{
    public static readonly Int4Codec Instance = new();

    public override Type DefaultClrType => typeof(int);

    public int Read(ReadOnlySpan<byte> value) =>
        value.Length == 4 ? BinaryPrimitives.ReadInt32BigEndian(value) : throw WrongLength("int4", 4, value.Length);

    long IPgReader<long>.Read(ReadOnlySpan<byte> value) => Read(value);

    public void Write(int value, IBufferWriter<byte> writer)
    {
        BinaryPrimitives.WriteInt32BigEndian(writer.GetSpan(4), value);
        writer.Advance(4);
    }

    public override object ReadAsObject(ReadOnlySpan<byte> value) => Read(value);

    public override bool TryWriteObject(object value, IBufferWriter<byte> writer)
    {
        if (value is not int i) return false;
        Write(i, writer);
        return true;
    }
}

/// <summary>int8: Int64 big-endian.</summary>
internal sealed class Int8Codec : PgCodec, IPgReader<long>, IPgWriter<long>
{
    public static readonly Int8Codec Instance = new();

    public override Type DefaultClrType => typeof(long);

    public long Read(ReadOnlySpan<byte> value) =>
        value.Length == 8 ? BinaryPrimitives.ReadInt64BigEndian(value) : throw WrongLength("int8", 8, value.Length);

    public void Write(long value, IBufferWriter<byte> writer)
    {
        BinaryPrimitives.WriteInt64BigEndian(writer.GetSpan(8), value);
        writer.Advance(8);
    }

    public override object ReadAsObject(ReadOnlySpan<byte> value) => Read(value);

    public override bool TryWriteObject(object value, IBufferWriter<byte> writer)
    {
        if (value is not long l) return false;
        Write(l, writer);
        return true;
    }
}

/// <summary>float4: IEEE 754 single, big-endian. Reads widen to double.</summary>
internal sealed class Float4Codec : PgCodec, IPgReader<float>, IPgReader<double>, IPgWriter<float>
{
    public static readonly Float4Codec Instance = new();

    public override Type DefaultClrType => typeof(float);

    public float Read(ReadOnlySpan<byte> value) =>
        value.Length == 4 ? BinaryPrimitives.ReadSingleBigEndian(value) : throw WrongLength("float4", 4, value.Length);

    double IPgReader<double>.Read(ReadOnlySpan<byte> value) => Read(value);

    public void Write(float value, IBufferWriter<byte> writer)
    {
        BinaryPrimitives.WriteSingleBigEndian(writer.GetSpan(4), value);
        writer.Advance(4);
    }

    public override object ReadAsObject(ReadOnlySpan<byte> value) => Read(value);

    public override bool TryWriteObject(object value, IBufferWriter<byte> writer)
    {
        if (value is not float f) return false;
        Write(f, writer);
        return true;
    }
}

/// <summary>float8: IEEE 754 double, big-endian.</summary>
internal sealed class Float8Codec : PgCodec, IPgReader<double>, IPgWriter<double>
{
    public static readonly Float8Codec Instance = new();

    public override Type DefaultClrType => typeof(double);

    public double Read(ReadOnlySpan<byte> value) =>
        value.Length == 8 ? BinaryPrimitives.ReadDoubleBigEndian(value) : throw WrongLength("float8", 8, value.Length);

    public void Write(double value, IBufferWriter<byte> writer)
    {
        BinaryPrimitives.WriteDoubleBigEndian(writer.GetSpan(8), value);
        writer.Advance(8);
    }

    public override object ReadAsObject(ReadOnlySpan<byte> value) => Read(value);

    public override bool TryWriteObject(object value, IBufferWriter<byte> writer)
    {
        if (value is not double d) return false;
        Write(d, writer);
        return true;
    }
}

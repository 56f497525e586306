namespace PgWire.Types;

/// <summary>
/// Reads a number column as another CLR number type, the way ADO.NET getters convert: widening always works
/// (int2 as long, integers as decimal or double, float4 as double); narrowing works when the value fits and is an
/// <see cref="OverflowException"/> when it does not (int8 as int, int2 as byte, numeric as float). Exact targets
/// (integers, decimal) never round: a numeric with a fraction read as an integer, or a float read as an integer or
/// decimal, is an <see cref="InvalidCastException"/>. Floating-point targets are approximate by nature and take the
/// nearest value.
/// </summary>
internal static class NumberConversion
{
    /// <summary>Reads <paramref name="value"/> through number codec <paramref name="codec"/> as T (or T?); false when either is not a number.</summary>
    public static bool TryRead<T>(PgCodec codec, ReadOnlySpan<byte> value, out T result)
    {
        result = default!;
        var target = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        if (!IsNumber(target)) return false;
        object? converted = codec switch
        {
            Int2Codec int2 => FromInteger(int2.Read(value), target),
            Int4Codec int4 => FromInteger(int4.Read(value), target),
            Int8Codec int8 => FromInteger(int8.Read(value), target),
            OidCodec oid => FromInteger(oid.Read(value), target),
            Float4Codec float4 => FromFloat(float4.Read(value), target),
            Float8Codec float8 => FromFloat(float8.Read(value), target),
            NumericCodec numeric => FromNumeric(numeric, value, target),
            _ => null,
        };
        if (converted is null) return false;
        result = (T)converted;
        return true;
    }

    private static bool IsNumber(Type type) =>
        type == typeof(byte) || type == typeof(sbyte) || type == typeof(short) || type == typeof(ushort) || type == typeof(int)
        || type == typeof(uint) || type == typeof(long) || type == typeof(ulong) || type == typeof(float) || type == typeof(double)
        || type == typeof(decimal);

    private static object FromInteger(long value, Type target)
    {
        try
        {
            return Type.GetTypeCode(target) switch
            {
                TypeCode.Byte => checked((byte)value),
                TypeCode.SByte => checked((sbyte)value),
                TypeCode.Int16 => checked((short)value),
                TypeCode.UInt16 => checked((ushort)value),
                TypeCode.Int32 => checked((int)value),
                TypeCode.UInt32 => checked((uint)value),
                TypeCode.Int64 => value,
                TypeCode.UInt64 => checked((ulong)value),
                TypeCode.Single => (float)value,
                TypeCode.Double => (double)value,
                TypeCode.Decimal => (decimal)value,
                _ => throw new System.Diagnostics.UnreachableException($"BUG: {target} is not a number type."),
            };
        }
        catch (OverflowException)
        {
            throw new OverflowException($"the value {value} does not fit {target.Name}");
        }
    }

    private static object? FromFloat(double value, Type target)
    {
        if (target == typeof(double)) return value;
        if (target != typeof(float)) return null; // an exact type would round the binary fraction
        if (double.IsFinite(value) && Math.Abs(value) > float.MaxValue)
            throw new OverflowException($"the value {value} is outside the range of Single");
        return (float)value;
    }

    private static object FromNumeric(NumericCodec codec, ReadOnlySpan<byte> value, Type target)
    {
        if (target == typeof(decimal)) return codec.Read(value);
        if (target == typeof(double) || target == typeof(float))
            return FromFloat(((IPgReader<double>)codec).Read(value), target)!;
        var exact = codec.Read(value);
        if (exact != decimal.Truncate(exact))
            throw new InvalidCastException($"the numeric value {exact} has a fractional part, which {target.Name} cannot hold");
        try
        {
            return Convert.ChangeType(exact, target, System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (OverflowException)
        {
            throw new OverflowException($"the value {exact} does not fit {target.Name}");
        }
    }
}

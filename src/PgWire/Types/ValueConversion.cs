using System.Globalization;

namespace PgWire.Types;

/// <summary>
/// Converts a value to a CLR type a codec writes, for a value whose PostgreSQL type was chosen by name, DbType or a
/// COPY column rather than by its own CLR type. Numbers convert checked: a value that does not fit is an
/// <see cref="OverflowException"/>, and a fraction is never rounded into an integer type.
/// </summary>
internal static class ValueConversion
{
    /// <summary>The value as is when <paramref name="codec"/> takes it, else converted to the codec's default CLR type.</summary>
    /// <exception cref="InvalidCastException">No conversion (callers add what the value was for).</exception>
    /// <exception cref="OverflowException">The value does not fit.</exception>
    /// <exception cref="FormatException">A string that does not parse.</exception>
    public static object ForCodec(PgCodec codec, object value) =>
        codec.CanWrite(value) ? value : To(value, codec.DefaultClrType);

    /// <summary>The value converted to <paramref name="target"/>.</summary>
    /// <exception cref="InvalidCastException">No conversion, or a fraction for an integer type.</exception>
    /// <exception cref="OverflowException">The value does not fit.</exception>
    /// <exception cref="FormatException">A string that does not parse.</exception>
    public static object To(object value, Type target)
    {
        if (target.IsInstanceOfType(value)) return value;
        if (target == typeof(DateOnly) && value is DateTime dateTime) return DateOnly.FromDateTime(dateTime);
        if (target == typeof(Guid) && value is string text) return Guid.Parse(text);
        if (target == typeof(DateTimeOffset) && value is DateTime utc) return new DateTimeOffset(utc);
        if (target == typeof(TimeSpan) && value is TimeOnly time) return time.ToTimeSpan();
        if (IsInteger(target) && HasFraction(value))
            throw new InvalidCastException($"{Convert.ToString(value, CultureInfo.InvariantCulture)} has a fractional part, which {target.Name} cannot hold");
        return Convert.ChangeType(value, target, CultureInfo.InvariantCulture);
    }

    private static bool HasFraction(object value) => value switch
    {
        float f => float.IsFinite(f) && f != MathF.Truncate(f),
        double d => double.IsFinite(d) && d != Math.Truncate(d),
        decimal m => m != decimal.Truncate(m),
        _ => false,
    };

    private static bool IsInteger(Type type) =>
        type == typeof(byte) || type == typeof(sbyte) || type == typeof(short) || type == typeof(ushort) || type == typeof(int)
        || type == typeof(uint) || type == typeof(long) || type == typeof(ulong);
}

using System.Globalization;

namespace PgWire;

/// <summary>
/// A PostgreSQL timestamp or timestamptz over the server's whole range (4713 BC to 294276 AD) and ±infinity, which
/// <see cref="DateTime"/> cannot hold: microseconds since 2000-01-01 00:00:00, exactly as the server keeps them (UTC
/// for timestamptz). Read it with <c>Get&lt;PgTimestamp&gt;()</c> from either type; as a parameter it goes as
/// timestamp (name <c>timestamptz</c> with <c>PgTypedValue</c> or <c>DataTypeName</c> for the other).
/// </summary>
public readonly struct PgTimestamp : IEquatable<PgTimestamp>, IComparable<PgTimestamp>
{
    private const long MicrosPerDay = 86_400_000_000L;
    private static readonly long s_epochTicks = new DateTime(2000, 1, 1).Ticks;

    /// <summary>PostgreSQL's 'infinity'.</summary>
    public static readonly PgTimestamp Infinity = new(long.MaxValue);

    /// <summary>PostgreSQL's '-infinity'.</summary>
    public static readonly PgTimestamp NegativeInfinity = new(long.MinValue);

    /// <summary>Creates a timestamp from the server's representation (long.MaxValue/MinValue are ±infinity).</summary>
    /// <param name="microsecondsSince2000">Microseconds since 2000-01-01 00:00:00; negative before it.</param>
    public PgTimestamp(long microsecondsSince2000) => MicrosecondsSince2000 = microsecondsSince2000;

    /// <summary>Creates a timestamp from a date and a time of day.</summary>
    /// <param name="date">A finite date.</param>
    /// <param name="hour">0 to 23.</param>
    /// <param name="minute">0 to 59.</param>
    /// <param name="second">0 to 59.</param>
    /// <param name="microsecond">0 to 999,999.</param>
    /// <exception cref="ArgumentOutOfRangeException">A part is out of range, or the timestamp does not fit 64-bit microseconds.</exception>
    public PgTimestamp(PgDate date, int hour, int minute, int second, int microsecond = 0)
    {
        if (!date.IsFinite) throw new ArgumentOutOfRangeException(nameof(date), date, "Use PgTimestamp.Infinity or NegativeInfinity for infinite timestamps.");
        if (hour is < 0 or > 23) throw new ArgumentOutOfRangeException(nameof(hour), hour, "An hour is 0 to 23.");
        if (minute is < 0 or > 59) throw new ArgumentOutOfRangeException(nameof(minute), minute, "A minute is 0 to 59.");
        if (second is < 0 or > 59) throw new ArgumentOutOfRangeException(nameof(second), second, "A second is 0 to 59.");
        if (microsecond is < 0 or > 999_999) throw new ArgumentOutOfRangeException(nameof(microsecond), microsecond, "A microsecond is 0 to 999,999.");
        var timeOfDay = ((hour * 60L + minute) * 60 + second) * 1_000_000 + microsecond;
        var dayMicros = (Int128)date.DaysSince2000 * MicrosPerDay + timeOfDay;
        if (dayMicros >= long.MaxValue || dayMicros <= long.MinValue)
            throw new ArgumentOutOfRangeException(nameof(date), date, "The timestamp does not fit PostgreSQL's 64-bit microseconds.");
        MicrosecondsSince2000 = (long)dayMicros;
    }

    /// <summary>Microseconds since 2000-01-01 00:00:00, as the server sends them (long.MaxValue/MinValue are ±infinity).</summary>
    public long MicrosecondsSince2000 { get; }

    /// <summary>False for ±infinity.</summary>
    public bool IsFinite => MicrosecondsSince2000 is not (long.MaxValue or long.MinValue);

    /// <summary>The date part. Throws for ±infinity.</summary>
    public PgDate Date => new((int)DayAndTime().Days);

    /// <summary>The time of day (microsecond precision). Throws for ±infinity.</summary>
    public TimeOnly TimeOfDay => new(DayAndTime().Micros * TimeSpan.TicksPerMicrosecond);

    /// <summary>The same instant as a <see cref="DateTime"/> of the given Kind.</summary>
    /// <param name="kind">Utc for a timestamptz value, Unspecified (the default) for timestamp.</param>
    /// <exception cref="InvalidCastException">The timestamp is ±infinity or outside years 1 to 9999.</exception>
    public DateTime ToDateTime(DateTimeKind kind = DateTimeKind.Unspecified)
    {
        if (IsFinite)
        {
            var ticks = (Int128)MicrosecondsSince2000 * TimeSpan.TicksPerMicrosecond + s_epochTicks;
            if (ticks >= DateTime.MinValue.Ticks && ticks <= DateTime.MaxValue.Ticks) return new DateTime((long)ticks, kind);
        }
        throw new InvalidCastException($"The timestamp {this} is outside the range of DateTime (years 1 to 9999).");
    }

    /// <summary>The timestamp of a <see cref="DateTime"/> (its Kind is not kept; ticks below a microsecond are dropped).</summary>
    /// <param name="value">The date and time.</param>
    public static PgTimestamp FromDateTime(DateTime value)
    {
        var delta = value.Ticks - s_epochTicks;
        return new(delta >= 0 ? delta / TimeSpan.TicksPerMicrosecond : (delta - (TimeSpan.TicksPerMicrosecond - 1)) / TimeSpan.TicksPerMicrosecond);
    }

    /// <summary>Converts a <see cref="DateTime"/> (always representable).</summary>
    /// <param name="value">The date and time.</param>
    public static implicit operator PgTimestamp(DateTime value) => FromDateTime(value);

    /// <summary>Converts to a <see cref="DateTime"/> of Kind Unspecified; throws outside its range.</summary>
    /// <param name="value">The timestamp.</param>
    public static explicit operator DateTime(PgTimestamp value) => value.ToDateTime();

    /// <summary>
    /// The timestamp as PostgreSQL prints a timestamp (ISO DateStyle), without a zone: <c>2024-02-29 13:45:00.25</c>,
    /// <c>0044-03-15 12:00:00 BC</c>, <c>infinity</c>.
    /// </summary>
    public override string ToString()
    {
        if (MicrosecondsSince2000 == long.MaxValue) return "infinity";
        if (MicrosecondsSince2000 == long.MinValue) return "-infinity";
        var (days, micros) = DayAndTime();
        var (year, month, day) = PgDate.CivilFromDays(days + 10_957);
        var seconds = micros / 1_000_000;
        var fraction = micros % 1_000_000;
        var time = string.Create(CultureInfo.InvariantCulture, $"{seconds / 3600:00}:{seconds / 60 % 60:00}:{seconds % 60:00}");
        if (fraction != 0) time += "." + fraction.ToString("000000", CultureInfo.InvariantCulture).TrimEnd('0');
        var date = PgDate.Format(year, month, day);
        return date.EndsWith(" BC", StringComparison.Ordinal) ? $"{date[..^3]} {time} BC" : $"{date} {time}";
    }

    private (long Days, long Micros) DayAndTime()
    {
        if (!IsFinite) throw new InvalidOperationException($"The timestamp is {this}, which has no date or time of day.");
        var days = Math.DivRem(MicrosecondsSince2000, MicrosPerDay, out var micros);
        if (micros < 0)
        {
            days--;
            micros += MicrosPerDay;
        }
        return (days, micros);
    }

    /// <inheritdoc />
    public bool Equals(PgTimestamp other) => MicrosecondsSince2000 == other.MicrosecondsSince2000;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is PgTimestamp other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => MicrosecondsSince2000.GetHashCode();

    /// <inheritdoc />
    public int CompareTo(PgTimestamp other) => MicrosecondsSince2000.CompareTo(other.MicrosecondsSince2000);

    /// <summary>Equality.</summary>
    /// <param name="left">One timestamp.</param>
    /// <param name="right">The other.</param>
    public static bool operator ==(PgTimestamp left, PgTimestamp right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    /// <param name="left">One timestamp.</param>
    /// <param name="right">The other.</param>
    public static bool operator !=(PgTimestamp left, PgTimestamp right) => !left.Equals(right);

    /// <summary>Earlier than.</summary>
    /// <param name="left">One timestamp.</param>
    /// <param name="right">The other.</param>
    public static bool operator <(PgTimestamp left, PgTimestamp right) => left.MicrosecondsSince2000 < right.MicrosecondsSince2000;

    /// <summary>Later than.</summary>
    /// <param name="left">One timestamp.</param>
    /// <param name="right">The other.</param>
    public static bool operator >(PgTimestamp left, PgTimestamp right) => left.MicrosecondsSince2000 > right.MicrosecondsSince2000;

    /// <summary>Not later than.</summary>
    /// <param name="left">One timestamp.</param>
    /// <param name="right">The other.</param>
    public static bool operator <=(PgTimestamp left, PgTimestamp right) => left.MicrosecondsSince2000 <= right.MicrosecondsSince2000;

    /// <summary>Not earlier than.</summary>
    /// <param name="left">One timestamp.</param>
    /// <param name="right">The other.</param>
    public static bool operator >=(PgTimestamp left, PgTimestamp right) => left.MicrosecondsSince2000 >= right.MicrosecondsSince2000;
}

using System.Globalization;

namespace PgWire;

/// <summary>
/// A PostgreSQL date over the server's whole range (4713 BC to 5874897 AD) and ±infinity, which
/// <see cref="DateOnly"/> and <see cref="DateTime"/> cannot hold. Read it with <c>Get&lt;PgDate&gt;()</c>; send it as
/// a parameter like any other value.
/// </summary>
/// <remarks>
/// Years use ISO 8601 (astronomical) numbering, as PostgreSQL's own calendar arithmetic does: year 0 is 1 BC, year -1 is
/// 2 BC. <see cref="ToString"/> prints the server's form, <c>0044-03-15 BC</c> for year -43.
/// </remarks>
public readonly struct PgDate : IEquatable<PgDate>, IComparable<PgDate>
{
    private const long EpochFromUnixDays = 10_957; // 2000-01-01 is day 10957 after 1970-01-01

    /// <summary>PostgreSQL's 'infinity', later than every date.</summary>
    public static readonly PgDate Infinity = new(int.MaxValue);

    /// <summary>PostgreSQL's '-infinity', earlier than every date.</summary>
    public static readonly PgDate NegativeInfinity = new(int.MinValue);

    /// <summary>Creates a date from the server's representation: days since 2000-01-01 (int.MaxValue/MinValue are ±infinity).</summary>
    /// <param name="daysSince2000">Days since 2000-01-01; negative before it.</param>
    public PgDate(int daysSince2000) => DaysSince2000 = daysSince2000;

    /// <summary>Creates a date from its calendar parts (proleptic Gregorian calendar).</summary>
    /// <param name="year">The year, in ISO 8601 numbering: 0 is 1 BC, -1 is 2 BC.</param>
    /// <param name="month">1 to 12.</param>
    /// <param name="day">1 to the month's length.</param>
    /// <exception cref="ArgumentOutOfRangeException">The parts do not name a date, or it lies outside int32 days of 2000-01-01.</exception>
    public PgDate(int year, int month, int day)
    {
        if (month is < 1 or > 12) throw new ArgumentOutOfRangeException(nameof(month), month, "A month is 1 to 12.");
        if (day < 1 || day > DaysInMonth(year, month))
            throw new ArgumentOutOfRangeException(nameof(day), day, $"Month {month} of year {year} has {DaysInMonth(year, month)} days.");
        var days = DaysFromCivil(year, month, day) - EpochFromUnixDays;
        if (days is <= int.MinValue or >= int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(year), year, "The date is too far from 2000-01-01 for PostgreSQL's date type.");
        DaysSince2000 = (int)days;
    }

    /// <summary>Days since 2000-01-01, as the server sends it (int.MaxValue is infinity, int.MinValue -infinity).</summary>
    public int DaysSince2000 { get; }

    /// <summary>False for ±infinity.</summary>
    public bool IsFinite => DaysSince2000 is not (int.MaxValue or int.MinValue);

    /// <summary>The year in ISO 8601 numbering (0 = 1 BC). Throws for ±infinity.</summary>
    public int Year => Civil().Year;

    /// <summary>The month, 1 to 12. Throws for ±infinity.</summary>
    public int Month => Civil().Month;

    /// <summary>The day of the month. Throws for ±infinity.</summary>
    public int Day => Civil().Day;

    /// <summary>The same date as a <see cref="DateOnly"/>.</summary>
    /// <exception cref="InvalidCastException">The date is ±infinity or outside years 1 to 9999.</exception>
    public DateOnly ToDateOnly()
    {
        var dayNumber = (long)DaysSince2000 + s_epochDayNumber;
        if (!IsFinite || dayNumber < DateOnly.MinValue.DayNumber || dayNumber > DateOnly.MaxValue.DayNumber)
            throw new InvalidCastException($"The date {this} is outside the range of DateOnly (years 1 to 9999).");
        return DateOnly.FromDayNumber((int)dayNumber);
    }

    /// <summary>The date of a <see cref="DateOnly"/>.</summary>
    /// <param name="date">The date.</param>
    public static PgDate FromDateOnly(DateOnly date) => new(date.DayNumber - s_epochDayNumber);

    /// <summary>Converts a <see cref="DateOnly"/> (always representable).</summary>
    /// <param name="date">The date.</param>
    public static implicit operator PgDate(DateOnly date) => FromDateOnly(date);

    /// <summary>Converts to <see cref="DateOnly"/>; throws when the date is outside its range.</summary>
    /// <param name="date">The date.</param>
    public static explicit operator DateOnly(PgDate date) => date.ToDateOnly();

    private static readonly int s_epochDayNumber = new DateOnly(2000, 1, 1).DayNumber;

    /// <summary>The date as PostgreSQL prints it (ISO DateStyle): <c>2024-02-29</c>, <c>0044-03-15 BC</c>, <c>infinity</c>.</summary>
    public override string ToString()
    {
        if (DaysSince2000 == int.MaxValue) return "infinity";
        if (DaysSince2000 == int.MinValue) return "-infinity";
        var (year, month, day) = Civil();
        return Format(year, month, day);
    }

    internal static string Format(long year, int month, int day) => year > 0
        ? string.Create(CultureInfo.InvariantCulture, $"{year:0000}-{month:00}-{day:00}")
        : string.Create(CultureInfo.InvariantCulture, $"{1 - year:0000}-{month:00}-{day:00} BC");

    /// <inheritdoc />
    public bool Equals(PgDate other) => DaysSince2000 == other.DaysSince2000;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is PgDate other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => DaysSince2000;

    /// <inheritdoc />
    public int CompareTo(PgDate other) => DaysSince2000.CompareTo(other.DaysSince2000);

    /// <summary>Equality.</summary>
    /// <param name="left">One date.</param>
    /// <param name="right">The other.</param>
    public static bool operator ==(PgDate left, PgDate right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    /// <param name="left">One date.</param>
    /// <param name="right">The other.</param>
    public static bool operator !=(PgDate left, PgDate right) => !left.Equals(right);

    /// <summary>Earlier than.</summary>
    /// <param name="left">One date.</param>
    /// <param name="right">The other.</param>
    public static bool operator <(PgDate left, PgDate right) => left.DaysSince2000 < right.DaysSince2000;

    /// <summary>Later than.</summary>
    /// <param name="left">One date.</param>
    /// <param name="right">The other.</param>
    public static bool operator >(PgDate left, PgDate right) => left.DaysSince2000 > right.DaysSince2000;

    /// <summary>Not later than.</summary>
    /// <param name="left">One date.</param>
    /// <param name="right">The other.</param>
    public static bool operator <=(PgDate left, PgDate right) => left.DaysSince2000 <= right.DaysSince2000;

    /// <summary>Not earlier than.</summary>
    /// <param name="left">One date.</param>
    /// <param name="right">The other.</param>
    public static bool operator >=(PgDate left, PgDate right) => left.DaysSince2000 >= right.DaysSince2000;

    private (int Year, int Month, int Day) Civil()
    {
        if (!IsFinite) throw new InvalidOperationException($"The date is {this}, which has no year, month or day.");
        var (year, month, day) = CivilFromDays(DaysSince2000 + EpochFromUnixDays);
        return ((int)year, month, day);
    }

    private static int DaysInMonth(long year, int month) => month switch
    {
        2 => IsLeap(year) ? 29 : 28,
        4 or 6 or 9 or 11 => 30,
        _ => 31,
    };

    private static bool IsLeap(long year) => year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);

    // Proleptic Gregorian calendar arithmetic over 400-year eras (146,097 days each), with years counted from March so
    // that the leap day falls at the end of the counted year. Days are relative to 1970-01-01.

    internal static long DaysFromCivil(long year, int month, int day)
    {
        var y = month <= 2 ? year - 1 : year;
        var era = (y >= 0 ? y : y - 399) / 400;
        var yearOfEra = y - era * 400;
        var dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
        var dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
        return era * 146_097 + dayOfEra - 719_468;
    }

    internal static (long Year, int Month, int Day) CivilFromDays(long days)
    {
        days += 719_468;
        var era = (days >= 0 ? days : days - 146_096) / 146_097;
        var dayOfEra = days - era * 146_097;
        var yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
        var dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
        var shiftedMonth = (5 * dayOfYear + 2) / 153;
        var day = (int)(dayOfYear - (153 * shiftedMonth + 2) / 5 + 1);
        var month = (int)(shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9);
        var year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
        return (year, month, day);
    }
}

using System.Globalization;

namespace PgWire;

/// <summary>
/// A PostgreSQL interval exactly as the server keeps it: months, days and microseconds are separate, because a month
/// has no fixed number of days and a day (across a daylight-saving change) no fixed number of hours.
/// </summary>
/// <param name="Months">Whole months (years are 12 months).</param>
/// <param name="Days">Whole days.</param>
/// <param name="Microseconds">The time part, in microseconds.</param>
public readonly record struct PgInterval(int Months, int Days, long Microseconds)
{
    /// <summary>The interval in PostgreSQL's ISO 8601 output style, for example <c>P1Y2M3DT4H5M6.5S</c>.</summary>
    public override string ToString()
    {
        var seconds = Microseconds / 1_000_000m;
        return string.Create(CultureInfo.InvariantCulture, $"P{Months / 12}Y{Months % 12}M{Days}DT{seconds}S");
    }
}

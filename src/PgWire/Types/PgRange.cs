using System.Globalization;

namespace PgWire;

/// <summary>
/// A PostgreSQL range (int4range, int8range, numrange, daterange, tsrange, tstzrange): empty, or two bounds, each
/// inclusive or exclusive, or unbounded (infinite). Multiranges read as arrays of ranges.
/// </summary>
/// <typeparam name="T">The subtype: int, long, decimal, DateOnly, DateTime.</typeparam>
public readonly record struct PgRange<T>(
    T? LowerBound, bool LowerBoundIsInclusive, bool LowerBoundInfinite,
    T? UpperBound, bool UpperBoundIsInclusive, bool UpperBoundInfinite)
{
    /// <summary>The empty range.</summary>
    public static PgRange<T> Empty { get; } = new(default, false, false, default, false, false) { IsEmpty = true };

    /// <summary>A range from <paramref name="lower"/> to <paramref name="upper"/>: by default [lower, upper), as PostgreSQL prints discrete ranges.</summary>
    public PgRange(T lower, T upper, bool lowerInclusive = true, bool upperInclusive = false)
        : this(lower, lowerInclusive, false, upper, upperInclusive, false)
    {
    }

    /// <summary>True for the empty range.</summary>
    public bool IsEmpty { get; init; }

    /// <summary>The range in PostgreSQL's text form, for example <c>[1,10)</c>.</summary>
    public override string ToString()
    {
        if (IsEmpty) return "empty";
        var lower = LowerBoundInfinite ? "" : Convert.ToString(LowerBound, CultureInfo.InvariantCulture);
        var upper = UpperBoundInfinite ? "" : Convert.ToString(UpperBound, CultureInfo.InvariantCulture);
        return $"{(LowerBoundIsInclusive && !LowerBoundInfinite ? '[' : '(')}{lower},{upper}{(UpperBoundIsInclusive && !UpperBoundInfinite ? ']' : ')')}";
    }
}

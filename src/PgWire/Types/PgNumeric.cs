using System.Globalization;

namespace PgWire;

/// <summary>
/// A numeric value exactly as PostgreSQL holds it, whatever its size or scale (up to 131072 digits before the point and
/// 16383 after), including NaN and ±Infinity: the lossless way to read a numeric that <see cref="decimal"/> cannot
/// hold. <see cref="ToString"/> gives the server's text form.
/// </summary>
public readonly struct PgNumeric : IEquatable<PgNumeric>
{
    private readonly string? _text;

    internal PgNumeric(string text) => _text = text;

    /// <summary>True for NaN.</summary>
    public bool IsNaN => _text == "NaN";

    /// <summary>True for Infinity or -Infinity.</summary>
    public bool IsInfinity => _text is "Infinity" or "-Infinity";

    /// <summary>The value as a decimal.</summary>
    /// <exception cref="OverflowException">The value is outside decimal's range.</exception>
    /// <exception cref="InvalidCastException">NaN, an infinity, or more than 28 fractional digits (which would round).</exception>
    public decimal ToDecimal()
    {
        var text = Text;
        if (IsNaN || IsInfinity) throw new InvalidCastException($"The numeric value {text} has no decimal form.");
        var point = text.IndexOf('.', StringComparison.Ordinal);
        if (point >= 0 && text.AsSpan(point + 1).TrimEnd('0').Length > 28)
            throw new InvalidCastException($"The numeric value {text} has more than 28 fractional digits; decimal would round it.");
        return decimal.Parse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
    }

    /// <summary>The nearest double (NaN and the infinities included); digits beyond double's 15-17 are lost.</summary>
    public double ToDouble() => double.Parse(Text, NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>The value in PostgreSQL's text form (for example <c>-12345678901234567890.000000000000000000001</c>).</summary>
    public override string ToString() => Text;

    /// <inheritdoc />
    public bool Equals(PgNumeric other) => string.Equals(Text, other.Text, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is PgNumeric other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Text);

    /// <summary>Whether two values have the same text form (1.50 and 1.5 differ, as their display scales do).</summary>
    public static bool operator ==(PgNumeric left, PgNumeric right) => left.Equals(right);

    /// <summary>Whether two values have different text forms.</summary>
    public static bool operator !=(PgNumeric left, PgNumeric right) => !left.Equals(right);

    private string Text => _text ?? "0";
}

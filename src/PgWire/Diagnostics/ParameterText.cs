using System.Globalization;
using System.Text;

namespace PgWire.Diagnostics;

/// <summary>
/// Parameter values as text for log events and spans, only with parameter logging on (EnableParameterLogging): strings
/// quoted and cut at <see cref="MaxLength"/> characters, binary values as their length, nothing else ever.
/// </summary>
internal static class ParameterText
{
    public const int MaxLength = 256;

    /// <summary>One value: NULL, a quoted and shortened string, a byte count, or the value in the invariant culture.</summary>
    public static string Format(object? value) => value switch
    {
        null or DBNull => "NULL",
        string s => Quote(s),
        byte[] bytes => $"<{bytes.Length} bytes>",
        ReadOnlyMemory<byte> bytes => $"<{bytes.Length} bytes>",
        Stream => "<stream>",
        IFormattable formattable => Shorten(formattable.ToString(null, CultureInfo.InvariantCulture)),
        System.Collections.IEnumerable items => List(items),
        _ => Shorten(value.ToString() ?? ""),
    };

    /// <summary>
    /// A statement's values (<c>$1=5, $2='x'</c>), or a batch's, statement by statement (<c>[0] $1=5; [1] $1=6</c>).
    /// </summary>
    public static string Describe(object parameters)
    {
        var text = new StringBuilder();
        if (parameters is IReadOnlyList<(string Sql, object?[] Values)> statements)
        {
            for (var i = 0; i < statements.Count; i++)
            {
                if (i > 0) text.Append("; ");
                text.Append('[').Append(i).Append("] ");
                Append(text, statements[i].Values);
            }
        }
        else if (parameters is IReadOnlyList<object?> values) Append(text, values);
        return text.ToString();
    }

    private static void Append(StringBuilder text, IReadOnlyList<object?> values)
    {
        if (values.Count == 0) text.Append("(none)");
        for (var i = 0; i < values.Count; i++)
        {
            if (i > 0) text.Append(", ");
            text.Append('$').Append(i + 1).Append('=').Append(Format(values[i]));
        }
    }

    private static string Quote(string s) => "'" + (s.Length > MaxLength ? string.Concat(s.AsSpan(0, MaxLength), "…") : s) + "'";

    private static string Shorten(string s) => s.Length > MaxLength ? string.Concat(s.AsSpan(0, MaxLength), "…") : s;

    private static string List(System.Collections.IEnumerable items)
    {
        var text = new StringBuilder("{");
        var count = 0;
        foreach (var item in items)
        {
            if (count > 0) text.Append(',');
            if (++count > 16 || text.Length > MaxLength) { text.Append('…'); break; }
            text.Append(Format(item));
        }
        return text.Append('}').ToString();
    }
}

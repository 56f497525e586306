using System.Text;

namespace PgWire.Configuration;

/// <summary>
/// libpq's <c>keyword=value</c> connection strings (<c>host=db1 port=5433 dbname='my db' password='it\'s'</c>): pairs
/// separated by whitespace, optional whitespace around <c>=</c>, a value single-quoted when it holds spaces or is empty,
/// and a backslash escaping the next character (in quotes or not). Pure text in, pairs out.
/// </summary>
internal static class KeywordValueString
{
    /// <summary>
    /// Splits <paramref name="text"/> into its pairs, in order. An error names the position and what was expected; it
    /// never repeats a value (it may be a password).
    /// </summary>
    /// <exception cref="FormatException">The text is not a libpq keyword=value string.</exception>
    public static List<KeyValuePair<string, string>> Parse(string text)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        var i = 0;
        while (true)
        {
            SkipWhitespace(text, ref i);
            if (i == text.Length) return pairs;
            var keyStart = i;
            while (i < text.Length && text[i] != '=' && !char.IsWhiteSpace(text[i])) i++;
            var key = text[keyStart..i];
            SkipWhitespace(text, ref i);
            if (i == text.Length || text[i] != '=')
                throw new FormatException($"The word at position {keyStart} is not followed by '=' (libpq form: keyword=value, separated by spaces; a value with spaces goes in single quotes).");
            if (key.Length == 0) throw new FormatException($"There is an '=' without a keyword at position {keyStart}.");
            i++;
            SkipWhitespace(text, ref i);
            pairs.Add(new(key, ReadValue(text, ref i, key)));
        }
    }

    /// <summary>
    /// True when <paramref name="text"/> has the shape of a libpq string: no unquoted <c>;</c> (which separates
    /// ADO.NET-style pairs) and at least two pairs that parse. One pair reads the same either way.
    /// </summary>
    public static bool Looks(string text, out List<KeyValuePair<string, string>> pairs)
    {
        pairs = [];
        if (HasUnquotedSemicolon(text)) return false;
        try
        {
            pairs = Parse(text);
        }
        catch (FormatException)
        {
            return false;
        }
        return pairs.Count >= 2;
    }

    private static string ReadValue(string text, ref int i, string key)
    {
        var value = new StringBuilder();
        if (i < text.Length && text[i] == '\'')
        {
            var start = i++;
            while (true)
            {
                if (i == text.Length) throw new FormatException($"The quoted value of '{Shorten(key)}' (from position {start}) has no closing quote.");
                var c = text[i++];
                if (c == '\'') return value.ToString();
                if (c == '\\')
                {
                    if (i == text.Length) throw new FormatException($"The value of '{Shorten(key)}' ends with a lone backslash.");
                    c = text[i++];
                }
                value.Append(c);
            }
        }
        while (i < text.Length && !char.IsWhiteSpace(text[i]))
        {
            var c = text[i++];
            if (c == '\\')
            {
                if (i == text.Length) throw new FormatException($"The value of '{Shorten(key)}' ends with a lone backslash.");
                c = text[i++];
            }
            value.Append(c);
        }
        return value.ToString();
    }

    private static bool HasUnquotedSemicolon(string text)
    {
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\\') i++;
            else if (c == '\'') quoted = !quoted;
            else if (c == ';' && !quoted) return true;
        }
        return false;
    }

    private static void SkipWhitespace(string text, ref int i)
    {
        while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
    }

    /// <summary>A keyword as shown in an error: never long (a value run into a keyword must not be shown whole).</summary>
    internal static string Shorten(string keyword) => keyword.Length <= 40 ? keyword : keyword[..40] + "...";
}

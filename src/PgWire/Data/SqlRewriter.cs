using System.Text;

namespace PgWire;

/// <summary>One statement of a command's text after placeholders were rewritten to $1..$n.</summary>
/// <param name="Sql">The statement, its placeholders numbered from $1.</param>
/// <param name="ParameterIndices">For each $k of the statement (k = position + 1), the index of the command parameter it takes.</param>
internal sealed record RewrittenStatement(string Sql, int[] ParameterIndices);

/// <summary>
/// Splits a command's text into statements at top-level semicolons and rewrites parameter placeholders: named
/// <c>@name</c> and <c>:name</c>, or positional <c>$n</c>, become <c>$1..$k</c> numbered per statement. String literals
/// ('...', E'...' with backslash escapes), dollar-quoted strings, quoted identifiers and comments (-- and nested /* */)
/// are left untouched, and so are <c>::</c> casts. A placeholder right after <c>IN</c> without parentheses
/// (<c>x IN @ids</c>, the form Dapper users write for a list, never valid PostgreSQL) becomes <c>x = ANY($1)</c>, and
/// after <c>NOT IN</c> becomes <c>x &lt;&gt; ALL($1)</c>: the same test on an array parameter, NULLs included.
/// </summary>
internal static class SqlRewriter
{
    /// <summary>Rewrites <paramref name="sql"/> for parameters named by <paramref name="parameterNames"/> (null or empty names: positional).</summary>
    /// <exception cref="InvalidOperationException">A placeholder has no matching parameter, or named and positional parameters are mixed.</exception>
    public static List<RewrittenStatement> Rewrite(string sql, IReadOnlyList<string?> parameterNames)
    {
        var named = false;
        var positional = false;
        foreach (var name in parameterNames)
        {
            if (string.IsNullOrEmpty(name)) positional = true;
            else named = true;
        }
        if (named && positional)
            throw new InvalidOperationException("The command mixes named and positional parameters: give every parameter a name (@name), or none ($1, $2, ...).");

        var statements = new List<RewrittenStatement>();
        var text = new StringBuilder(sql.Length);
        var indices = new List<int>();
        var i = 0;
        var statementHasContent = false;
        while (i < sql.Length)
        {
            var c = sql[i];
            switch (c)
            {
                case '\'':
                    i = CopyQuoted(sql, i, text, '\'', backslashEscapes: IsEscapeStringPrefix(sql, i));
                    statementHasContent = true;
                    continue;
                case '"':
                    i = CopyQuoted(sql, i, text, '"', backslashEscapes: false);
                    statementHasContent = true;
                    continue;
                case '-' when At(sql, i + 1) == '-':
                {
                    var end = sql.IndexOf('\n', i);
                    end = end < 0 ? sql.Length : end + 1;
                    text.Append(sql, i, end - i);
                    i = end;
                    continue;
                }
                case '/' when At(sql, i + 1) == '*':
                    i = CopyBlockComment(sql, i, text);
                    continue;
                case '$' when IsDollarQuoteStart(sql, i, out var tag):
                {
                    var close = sql.IndexOf(tag, i + tag.Length, StringComparison.Ordinal);
                    var end = close < 0 ? sql.Length : close + tag.Length;
                    text.Append(sql, i, end - i);
                    i = end;
                    statementHasContent = true;
                    continue;
                }
                case '$' when char.IsAsciiDigit(At(sql, i + 1)) && !IsIdentifierChar(At(sql, i - 1)):
                {
                    var start = ++i;
                    while (i < sql.Length && char.IsAsciiDigit(sql[i])) i++;
                    if (named || !positional)
                    {
                        // With named parameters (or none), $n is passed through untouched.
                        text.Append('$').Append(sql, start, i - start);
                    }
                    else
                    {
                        var number = int.Parse(sql.AsSpan(start, i - start), System.Globalization.CultureInfo.InvariantCulture);
                        if (number < 1 || number > parameterNames.Count)
                            throw new InvalidOperationException($"The SQL refers to ${number}, but the command has {parameterNames.Count} parameter(s).");
                        AppendPlaceholder(text, indices, number - 1);
                    }
                    statementHasContent = true;
                    continue;
                }
                case '@' or ':' when named && IsNameStart(At(sql, i + 1)) && !IsIdentifierChar(At(sql, i - 1)) && At(sql, i - 1) != ':':
                {
                    var start = i + 1;
                    var end = start;
                    while (end < sql.Length && IsIdentifierChar(sql[end])) end++;
                    var name = sql.AsSpan(start, end - start);
                    var index = IndexOf(parameterNames, name);
                    if (index < 0)
                    {
                        if (c == ':')
                        {
                            // ':name' is also array-slice syntax (a[lo:hi]): without a parameter of that name it is SQL.
                            text.Append(sql, i, end - i);
                            i = end;
                            continue;
                        }
                        throw new InvalidOperationException(
                            $"The SQL refers to parameter @{name}, but the command has no parameter named '{name}'. Add it to Parameters (names are matched without the @).");
                    }
                    AppendPlaceholder(text, indices, index);
                    i = end;
                    statementHasContent = true;
                    continue;
                }
                case ';':
                    if (statementHasContent) statements.Add(new RewrittenStatement(text.ToString().Trim(), [.. indices]));
                    text.Clear();
                    indices.Clear();
                    statementHasContent = false;
                    i++;
                    continue;
            }
            if (!char.IsWhiteSpace(c)) statementHasContent = true;
            text.Append(c);
            i++;
        }
        if (statementHasContent || statements.Count == 0) statements.Add(new RewrittenStatement(text.ToString().Trim(), [.. indices]));
        return statements;
    }

    private static void AppendPlaceholder(StringBuilder text, List<int> indices, int parameterIndex)
    {
        var position = indices.IndexOf(parameterIndex);
        if (position < 0)
        {
            indices.Add(parameterIndex);
            position = indices.Count - 1;
        }
        var list = ReplaceInKeyword(text);
        if (list) text.Append('(');
        text.Append('$').Append(position + 1);
        if (list) text.Append(')');
    }

    /// <summary>
    /// When the text so far ends with the keyword IN (or NOT IN) and whitespace, replaces the keyword(s) with the array
    /// comparison that means the same ("= ANY", "&lt;&gt; ALL") and returns true; otherwise leaves the text alone.
    /// </summary>
    private static bool ReplaceInKeyword(StringBuilder text)
    {
        var end = text.Length;
        var gap = end;
        while (gap > 0 && char.IsWhiteSpace(text[gap - 1])) gap--;
        if (gap == end || !EndsWithWord(text, gap, "IN")) return false;
        var start = gap - 2;
        var not = start;
        while (not > 0 && char.IsWhiteSpace(text[not - 1])) not--;
        if (not < start && EndsWithWord(text, not, "NOT"))
        {
            text.Length = not - 3;
            text.Append("<> ALL");
            return true;
        }
        text.Length = start;
        text.Append("= ANY");
        return true;
    }

    /// <summary>Whether <paramref name="text"/>[..end] ends with <paramref name="word"/> (any case) standing alone.</summary>
    private static bool EndsWithWord(StringBuilder text, int end, string word)
    {
        var start = end - word.Length;
        if (start < 0) return false;
        for (var i = 0; i < word.Length; i++)
            if (char.ToUpperInvariant(text[start + i]) != word[i]) return false;
        return start == 0 || !IsIdentifierChar(text[start - 1]) && text[start - 1] != '"';
    }

    private static int IndexOf(IReadOnlyList<string?> names, ReadOnlySpan<char> name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            var candidate = names[i].AsSpan();
            if (candidate.Length > 0 && (candidate[0] == '@' || candidate[0] == ':')) candidate = candidate[1..];
            if (candidate.Equals(name, StringComparison.Ordinal)) return i;
        }
        for (var i = 0; i < names.Count; i++)
        {
            var candidate = names[i].AsSpan();
            if (candidate.Length > 0 && (candidate[0] == '@' || candidate[0] == ':')) candidate = candidate[1..];
            if (candidate.Equals(name, StringComparison.OrdinalIgnoreCase)) return i;
        }
        return -1;
    }

    /// <summary>Copies a quoted run ('...' or "..."), doubled quotes and, for E'' strings, backslash escapes included.</summary>
    private static int CopyQuoted(string sql, int start, StringBuilder text, char quote, bool backslashEscapes)
    {
        var i = start + 1;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (backslashEscapes && c == '\\')
            {
                i += 2;
                continue;
            }
            if (c == quote)
            {
                if (At(sql, i + 1) == quote)
                {
                    i += 2;
                    continue;
                }
                i++;
                break;
            }
            i++;
        }
        i = Math.Min(i, sql.Length);
        text.Append(sql, start, i - start);
        return i;
    }

    private static int CopyBlockComment(string sql, int start, StringBuilder text)
    {
        var depth = 0;
        var i = start;
        while (i < sql.Length)
        {
            if (sql[i] == '/' && At(sql, i + 1) == '*')
            {
                depth++;
                i += 2;
            }
            else if (sql[i] == '*' && At(sql, i + 1) == '/')
            {
                depth--;
                i += 2;
                if (depth == 0) break;
            }
            else
            {
                i++;
            }
        }
        text.Append(sql, start, i - start);
        return i;
    }

    /// <summary>An E'...' string: the quote follows an E that does not end a longer identifier.</summary>
    private static bool IsEscapeStringPrefix(string sql, int quoteAt) =>
        quoteAt > 0 && (sql[quoteAt - 1] is 'E' or 'e') && !IsIdentifierChar(At(sql, quoteAt - 2));

    /// <summary>$tag$ or $$ where the tag is an identifier not starting with a digit, and the $ does not end an identifier.</summary>
    private static bool IsDollarQuoteStart(string sql, int at, out string tag)
    {
        tag = "";
        if (IsIdentifierChar(At(sql, at - 1))) return false;
        var i = at + 1;
        if (i < sql.Length && char.IsAsciiDigit(sql[i])) return false;
        while (i < sql.Length && IsIdentifierChar(sql[i]) && sql[i] != '$') i++;
        if (i >= sql.Length || sql[i] != '$') return false;
        tag = sql.Substring(at, i - at + 1);
        return true;
    }

    private static char At(string sql, int index) => index >= 0 && index < sql.Length ? sql[index] : '\0';

    private static bool IsNameStart(char c) => char.IsLetter(c) || c == '_';

    private static bool IsIdentifierChar(char c) => char.IsLetterOrDigit(c) || c == '_' || c == '$';
}

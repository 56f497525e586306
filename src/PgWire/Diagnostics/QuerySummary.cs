using System.Collections.Concurrent;

namespace PgWire.Diagnostics;

/// <summary>
/// The low-cardinality name of a query for spans and metrics (OpenTelemetry's <c>db.operation.name</c> and
/// <c>db.query.summary</c>): its first keyword and, for the common statements, the table it names first
/// (<c>SELECT users</c>, <c>INSERT orders</c>). A rough look at the text, never a parse; cached per SQL text.
/// </summary>
internal sealed record QuerySummary(string Operation, string Summary)
{
    private const int CacheLimit = 4096;
    private static readonly ConcurrentDictionary<string, QuerySummary> s_cache = new(StringComparer.Ordinal);
    private static readonly QuerySummary s_unknown = new("", "");

    /// <summary>The summary of <paramref name="sql"/>, cached (up to a few thousand texts; others are summarised each time).</summary>
    public static QuerySummary Of(string sql)
    {
        if (s_cache.TryGetValue(sql, out var known)) return known;
        var summary = Make(sql);
        if (s_cache.Count < CacheLimit) s_cache.TryAdd(sql, summary);
        return summary;
    }

    /// <summary>For a batch: <c>BATCH SELECT</c> when every statement has one operation, else <c>BATCH</c>.</summary>
    public static QuerySummary OfBatch(IReadOnlyList<(string Sql, object?[] Values)> statements)
    {
        string? operation = null;
        foreach (var (sql, _) in statements)
        {
            var one = Of(sql).Operation;
            if (operation is null) operation = one;
            else if (operation != one) return new("BATCH", "BATCH");
        }
        return string.IsNullOrEmpty(operation) ? new("BATCH", "BATCH") : new("BATCH " + operation, "BATCH " + operation);
    }

    private static QuerySummary Make(string sql)
    {
        var words = new Words(sql);
        var first = words.Next();
        if (first.IsEmpty) return s_unknown;
        var operation = first.ToString().ToUpperInvariant();
        if (first.Equals("WITH", StringComparison.OrdinalIgnoreCase)) return new(operation, operation);
        // The word after which the target table comes, per operation.
        ReadOnlySpan<char> marker = operation switch
        {
            "SELECT" => "FROM",
            "INSERT" or "MERGE" => "INTO",
            "DELETE" => "FROM",
            "UPDATE" or "TRUNCATE" or "COPY" or "LOCK" => "",
            _ => "-",
        };
        if (marker.SequenceEqual("-")) return new(operation, operation);
        for (var i = 0; i < 64; i++)
        {
            var word = words.Next();
            if (word.IsEmpty) break;
            if (marker.IsEmpty || word.Equals(marker, StringComparison.OrdinalIgnoreCase))
            {
                var target = marker.IsEmpty ? word : words.Next();
                while (target.Equals("ONLY", StringComparison.OrdinalIgnoreCase) || target.Equals("TABLE", StringComparison.OrdinalIgnoreCase))
                    target = words.Next();
                if (target.IsEmpty || target[0] == '(' || target[0] == '$') break;
                // The name as created: quotes are syntax, not part of it ("Order Items" -> Order Items).
                var name = target.Contains('"') ? target.ToString().Replace("\"", "", StringComparison.Ordinal) : target.ToString();
                return new(operation, operation + " " + name);
            }
        }
        return new(operation, operation);
    }

    /// <summary>Identifiers, keywords and quoted names of a SQL text, skipping comments, literals and punctuation.</summary>
    private ref struct Words(string sql)
    {
        private int _at;

        public ReadOnlySpan<char> Next()
        {
            var s = sql.AsSpan();
            while (_at < s.Length)
            {
                var c = s[_at];
                if (char.IsWhiteSpace(c) || c is ',' or ';' or ')' or '=' or '*') { _at++; continue; }
                if (c == '-' && _at + 1 < s.Length && s[_at + 1] == '-')
                {
                    var end = s[_at..].IndexOf('\n');
                    _at = end < 0 ? s.Length : _at + end + 1;
                    continue;
                }
                if (c == '/' && _at + 1 < s.Length && s[_at + 1] == '*')
                {
                    var end = s[(_at + 2)..].IndexOf("*/");
                    _at = end < 0 ? s.Length : _at + 2 + end + 2;
                    continue;
                }
                if (c == '\'')
                {
                    var end = s[(_at + 1)..].IndexOf('\'');
                    _at = end < 0 ? s.Length : _at + 1 + end + 1;
                    continue;
                }
                var start = _at;
                if (c == '"')
                {
                    var end = s[(_at + 1)..].IndexOf('"');
                    _at = end < 0 ? s.Length : _at + 1 + end + 1;
                    return s[start.._at];
                }
                if (c == '(') { _at++; return s[start.._at]; }
                while (_at < s.Length && (char.IsLetterOrDigit(s[_at]) || s[_at] is '_' or '.' or '$' or '"')) _at++;
                if (_at == start) { _at++; continue; }
                return s[start.._at];
            }
            return default;
        }
    }
}

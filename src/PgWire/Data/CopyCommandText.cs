namespace PgWire;

/// <summary>
/// What PgWire needs to know of a COPY statement before running it: its direction, and a query with the same
/// columns (<c>SELECT cols FROM table</c>, or the statement's own query) to learn the columns' types from. Reads
/// <c>COPY [ONLY] name [(col, ...)] FROM|TO ...</c> and <c>COPY (query) TO ...</c>; string literals, quoted
/// identifiers, dollar quotes and comments are skipped whole. One statement only.
/// </summary>
internal sealed record CopyCommandText(bool FromClient, string ColumnsQuery)
{
    public static CopyCommandText Parse(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var scanner = new Scanner(sql);
        if (!scanner.Keyword("COPY")) throw Invalid(sql, "it does not start with COPY");
        string columnsQuery;
        if (scanner.Peek() == '(')
        {
            var (start, end) = scanner.Parenthesized();
            columnsQuery = sql[(start + 1)..(end - 1)];
        }
        else
        {
            scanner.Keyword("ONLY");
            var (nameStart, nameEnd) = scanner.QualifiedName();
            var name = sql[nameStart..nameEnd];
            var columns = "*";
            if (scanner.Peek() == '(')
            {
                var (start, end) = scanner.Parenthesized();
                columns = sql[(start + 1)..(end - 1)];
                if (columns.Trim().Length == 0) throw Invalid(sql, "its column list is empty");
            }
            columnsQuery = $"SELECT {columns} FROM {name}";
        }
        bool fromClient;
        if (scanner.Keyword("FROM")) fromClient = true;
        else if (scanner.Keyword("TO")) fromClient = false;
        else throw Invalid(sql, "FROM or TO was expected after the table or query");
        if (!scanner.Keyword(fromClient ? "STDIN" : "STDOUT"))
            throw Invalid(sql, fromClient ? "PgWire sends the data, so it must read FROM STDIN" : "PgWire receives the data, so it must write TO STDOUT");
        scanner.SkipToStatementEnd();
        if (!scanner.AtEnd) throw Invalid(sql, "it holds more than one statement");
        return new CopyCommandText(fromClient, columnsQuery);
    }

    /// <summary>Parses <paramref name="sql"/> for <paramref name="api"/>, which needs the direction <paramref name="fromClient"/>.</summary>
    public static CopyCommandText ParseFor(string sql, bool fromClient, string api, string counterpart)
    {
        var text = Parse(sql);
        if (text.FromClient != fromClient)
            throw new ArgumentException(fromClient
                ? $"{api} needs a COPY ... FROM STDIN statement; for COPY ... TO STDOUT use {counterpart}."
                : $"{api} needs a COPY ... TO STDOUT statement; for COPY ... FROM STDIN use {counterpart}.", nameof(sql));
        return text;
    }

    private static ArgumentException Invalid(string sql, string why) =>
        new($"'{(sql.Length > 80 ? sql[..80] + "..." : sql)}' is not a COPY statement PgWire can run: {why}.", nameof(sql));

    private struct Scanner(string sql)
    {
        private int _at;

        public bool AtEnd
        {
            get
            {
                SkipSpace();
                return _at >= sql.Length;
            }
        }

        public char Peek()
        {
            SkipSpace();
            return _at < sql.Length ? sql[_at] : '\0';
        }

        /// <summary>Consumes <paramref name="word"/> (any case) when it is the next word.</summary>
        public bool Keyword(string word)
        {
            SkipSpace();
            if (_at + word.Length > sql.Length || string.Compare(sql, _at, word, 0, word.Length, StringComparison.OrdinalIgnoreCase) != 0) return false;
            if (_at + word.Length < sql.Length && IsIdentifierChar(sql[_at + word.Length])) return false;
            _at += word.Length;
            return true;
        }

        /// <summary>name or "quoted name", optionally schema-qualified; returns where it starts and ends.</summary>
        public (int Start, int End) QualifiedName()
        {
            SkipSpace();
            var start = _at;
            while (true)
            {
                SkipSpace();
                if (_at < sql.Length && sql[_at] == '"') _at = SkipQuoted(_at, '"');
                else if (_at < sql.Length && (char.IsLetter(sql[_at]) || sql[_at] == '_'))
                    while (_at < sql.Length && IsIdentifierChar(sql[_at])) _at++;
                else throw Invalid(sql, "a table name was expected after COPY");
                var end = _at;
                SkipSpace();
                if (_at < sql.Length && sql[_at] == '.') _at++;
                else return (start, end);
            }
        }

        /// <summary>Consumes a balanced ( ... ); returns the positions of the opening parenthesis and just past the closing one.</summary>
        public (int Start, int End) Parenthesized()
        {
            SkipSpace();
            var start = _at;
            var depth = 0;
            while (_at < sql.Length)
            {
                var c = sql[_at];
                if (SkipLiteralOrComment()) continue;
                _at++;
                if (c == '(') depth++;
                else if (c == ')' && --depth == 0) return (start, _at);
            }
            throw Invalid(sql, "a parenthesis is not closed");
        }

        /// <summary>Moves past the options to the end of the statement (just past a ';').</summary>
        public void SkipToStatementEnd()
        {
            while (_at < sql.Length)
            {
                if (SkipLiteralOrComment()) continue;
                if (sql[_at++] == ';') return;
            }
        }

        private bool SkipLiteralOrComment()
        {
            var c = sql[_at];
            if (c == '\'') _at = SkipQuoted(_at, '\'', backslashes: _at > 0 && (sql[_at - 1] is 'E' or 'e'));
            else if (c == '"') _at = SkipQuoted(_at, '"');
            else if (c == '$' && DollarTag() is { } tag)
            {
                var close = sql.IndexOf(tag, _at + tag.Length, StringComparison.Ordinal);
                if (close < 0) throw Invalid(sql, "a dollar-quoted string is not closed");
                _at = close + tag.Length;
            }
            else if (c == '-' && _at + 1 < sql.Length && sql[_at + 1] == '-' || c == '/' && _at + 1 < sql.Length && sql[_at + 1] == '*') SkipSpace();
            else return false;
            return true;
        }

        private readonly string? DollarTag()
        {
            var end = _at + 1;
            while (end < sql.Length && (char.IsLetterOrDigit(sql[end]) || sql[end] == '_')) end++;
            if (end >= sql.Length || sql[end] != '$' || end > _at + 1 && char.IsDigit(sql[_at + 1])) return null;
            return sql[_at..(end + 1)];
        }

        private readonly int SkipQuoted(int at, char quote, bool backslashes = false)
        {
            var i = at + 1;
            while (i < sql.Length)
            {
                if (backslashes && sql[i] == '\\') { i += 2; continue; }
                if (sql[i] == quote)
                {
                    if (i + 1 < sql.Length && sql[i + 1] == quote) { i += 2; continue; }
                    return i + 1;
                }
                i++;
            }
            throw Invalid(sql, $"a {(quote == '"' ? "quoted identifier" : "string literal")} is not closed");
        }

        private void SkipSpace()
        {
            while (_at < sql.Length)
            {
                if (char.IsWhiteSpace(sql[_at])) _at++;
                else if (sql[_at] == '-' && _at + 1 < sql.Length && sql[_at + 1] == '-')
                {
                    var end = sql.IndexOf('\n', _at);
                    _at = end < 0 ? sql.Length : end + 1;
                }
                else if (sql[_at] == '/' && _at + 1 < sql.Length && sql[_at + 1] == '*')
                {
                    // Block comments nest in PostgreSQL.
                    var depth = 0;
                    while (_at < sql.Length)
                    {
                        if (sql[_at] == '/' && _at + 1 < sql.Length && sql[_at + 1] == '*') { depth++; _at += 2; }
                        else if (sql[_at] == '*' && _at + 1 < sql.Length && sql[_at + 1] == '/') { _at += 2; if (--depth == 0) break; }
                        else _at++;
                    }
                    if (depth != 0) throw Invalid(sql, "a block comment is not closed");
                }
                else return;
            }
        }

        private static bool IsIdentifierChar(char c) => char.IsLetterOrDigit(c) || c is '_' or '$';
    }
}

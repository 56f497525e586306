using System.Text.RegularExpressions;

namespace PgWire.Diagnostics;

/// <summary>
/// Masks the secrets SQL text can carry before it goes into a log event or a span: the string literal after
/// <c>PASSWORD</c> (<c>CREATE ROLE app PASSWORD 'x'</c>, <c>ALTER USER ... ENCRYPTED PASSWORD 'x'</c>, a user mapping's
/// <c>OPTIONS (password 'x')</c>). Values sent as parameters never appear in the text at all.
/// </summary>
internal static partial class SqlRedaction
{
    public const string Mask = "'***'";

    /// <summary>The text with every literal after PASSWORD masked; the same instance when there is none.</summary>
    public static string Apply(string sql) =>
        sql.Contains("password", StringComparison.OrdinalIgnoreCase) ? PasswordLiteral().Replace(sql, m => m.Groups[1].Value + Mask) : sql;

    // PASSWORD, optional '=', then a string literal: '' escapes a quote, and a backslash escape is taken as one too
    // (E'...' strings; in a standard string that can only mask more than the literal, never less).
    [GeneratedRegex(@"(\bpassword\s*=?\s*)[eE]?'(?:[^'\\]|''|\\.)*'?", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PasswordLiteral();
}

using PgWire.Protocol;

namespace PgWire.Connection;

/// <summary>
/// Require Auth (libpq's require_auth): the authentication methods the server may use, or, written with <c>!</c>,
/// the ones it may not. Methods: password, md5, scram-sha-256, gss, sspi, none (the server asks for nothing). Checked
/// when the server asks for a method, before the client sends anything secret, and when it accepts the login.
/// </summary>
internal sealed class AuthRequirement
{
    private static readonly string[] s_methods = ["password", "md5", "scram-sha-256", "gss", "sspi", "none"];

    private readonly HashSet<string> _methods;
    private readonly bool _negated;
    private readonly string _text;

    private AuthRequirement(HashSet<string> methods, bool negated, string text)
    {
        _methods = methods;
        _negated = negated;
        _text = text;
    }

    /// <summary>The requirement a Require Auth value states; null for the empty value (any method).</summary>
    /// <exception cref="ArgumentException">An unknown method, a method twice, or negated and plain methods mixed.</exception>
    public static AuthRequirement? Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var methods = new HashSet<string>(StringComparer.Ordinal);
        bool? negated = null;
        foreach (var raw in text.Split(','))
        {
            var item = raw.Trim();
            var not = item.StartsWith('!');
            if (not) item = item[1..].Trim();
            item = item.ToLowerInvariant();
            if (!s_methods.Contains(item))
                throw new ArgumentException(
                    $"Require Auth names the method '{item}'; the methods are {string.Join(", ", s_methods)}, each optionally negated with '!'.", "keyword");
            if (negated is { } n && n != not)
                throw new ArgumentException("Require Auth mixes negated (!) and plain methods; list only the methods allowed, or only those refused.", "keyword");
            negated = not;
            if (!methods.Add(item)) throw new ArgumentException($"Require Auth names '{item}' twice.", "keyword");
        }
        if (negated == true && methods.Count == s_methods.Length)
            throw new ArgumentException("Require Auth refuses every method: no login could succeed.", "keyword");
        return new AuthRequirement(methods, negated ?? false, string.Join(',', methods.Select(m => negated == true ? "!" + m : m)));
    }

    /// <summary>The normalised form, as the connection string keeps it.</summary>
    public override string ToString() => _text;

    /// <summary>The require_auth name of what the server asked for.</summary>
    public static string MethodOf(AuthenticationKind kind) => kind switch
    {
        AuthenticationKind.CleartextPassword => "password",
        AuthenticationKind.Md5Password => "md5",
        AuthenticationKind.Sasl or AuthenticationKind.SaslContinue or AuthenticationKind.SaslFinal => "scram-sha-256",
        AuthenticationKind.Gss or AuthenticationKind.GssContinue or AuthenticationKind.KerberosV5 => "gss",
        AuthenticationKind.Sspi => "sspi",
        _ => "none",
    };

    /// <summary>Refuses <paramref name="method"/> when the requirement does not allow it.</summary>
    /// <param name="method">The method the server uses (require_auth's name for it).</param>
    /// <param name="host">host:port, for the message.</param>
    public void Check(string method, string host)
    {
        if (_methods.Contains(method) != _negated) return;
        var what = method == "none" ? "no authentication at all (it accepted the login without asking for a password)" : $"'{method}' authentication";
        throw new PgWireException(
            $"{host} uses {what}, which Require Auth={_text} does not allow; the connection was refused before anything secret was sent.");
    }
}

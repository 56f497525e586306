using PgWire.Protocol;

namespace PgWire.Connection;

/// <summary>What a session learnt about one SQL text: its server-side statement, parameter types and result shape.</summary>
internal sealed class StatementDescription(
    string name, uint[] parameterTypes, uint[] serverParameterTypes, FormatCode[] resultFormats, RowDescriptionInfo? row)
{
    /// <summary>
    /// The result's columns in the formats Bind asks for, for a named statement that returns rows: its portals need
    /// no Describe. Null for the unnamed statement and for statements without a result.
    /// </summary>
    public RowDescriptionInfo? Row { get; } = row;

    /// <summary>The prepared statement's name on the server; empty for the unnamed statement (re-parsed every time).</summary>
    public string Name { get; } = name;

    /// <summary>The parameter type OIDs the statement was parsed with (0 = left to the server).</summary>
    public uint[] ParameterTypes { get; } = parameterTypes;

    /// <summary>The parameter types the server settled on (ParameterDescription).</summary>
    public uint[] ServerParameterTypes { get; } = serverParameterTypes;

    /// <summary>Per column: binary where PgWire has a codec for the column's type, text otherwise.</summary>
    public FormatCode[] ResultFormats { get; } = resultFormats;

    /// <summary>The last RowDescription a portal of this statement produced, reused while its bytes stay the same.</summary>
    public RowDescriptionInfo? LastRow { get; set; }

    public bool Matches(ReadOnlySpan<uint> parameterTypes) => parameterTypes.SequenceEqual(ParameterTypes);
}

/// <summary>
/// A bounded per-session map from SQL text to a named server-side statement and its <see cref="StatementDescription"/>.
/// A statement is prepared the first time its text runs on the session: knowing its result columns lets Bind ask for
/// binary exactly where a codec exists, and the server skips parsing and planning on later runs. Statements dropped
/// from the cache are closed on the server with the session's next request.
/// </summary>
internal sealed class DescriptionCache(int capacity)
{
    private readonly Dictionary<string, StatementDescription> _statements = new(StringComparer.Ordinal);
    private readonly List<string> _toClose = [];
    private int _nextName;

    public bool Enabled => capacity > 0;

    public StatementDescription? Find(string sql) =>
        capacity > 0 && _statements.TryGetValue(sql, out var description) ? description : null;

    /// <summary>A statement name not used before on this session.</summary>
    public string NextName() => capacity > 0 ? NamePrefix + (++_nextName).ToString(System.Globalization.CultureInfo.InvariantCulture) : "";

    /// <summary>The prefix of every statement name PgWire creates.</summary>
    public const string NamePrefix = "_pgw";

    public void Add(string sql, StatementDescription description)
    {
        if (capacity <= 0) return;
        if (_statements.Count >= capacity) Clear();
        if (_statements.Remove(sql, out var replaced)) Forget(replaced);
        _statements[sql] = description;
    }

    /// <summary>Forgets every statement; their server-side statements are closed with the next request.</summary>
    public void Clear()
    {
        foreach (var statement in _statements.Values) Forget(statement);
        _statements.Clear();
    }

    /// <summary>Writes Close for every statement that was dropped; their CloseComplete answers come first.</summary>
    public void WritePendingCloses(MessageBuffer output)
    {
        foreach (var name in _toClose) FrontendMessages.WriteClose(output, portal: false, name);
        _toClose.Clear();
    }

    private void Forget(StatementDescription statement)
    {
        if (statement.Name.Length > 0) _toClose.Add(statement.Name);
    }
}

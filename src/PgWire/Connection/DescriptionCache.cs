using PgWire.Protocol;

namespace PgWire.Connection;

/// <summary>What a session learnt about one SQL text from Describe: parameter types and the result shape.</summary>
internal sealed class StatementDescription(uint[] parameterTypes, uint[] serverParameterTypes, FormatCode[] resultFormats)
{
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
/// A bounded per-session map from SQL text to <see cref="StatementDescription"/>. Knowing the result columns in
/// advance lets a query ask for binary exactly where a codec exists, in one round trip.
/// </summary>
internal sealed class DescriptionCache(int capacity)
{
    private readonly Dictionary<string, StatementDescription> _statements = new(StringComparer.Ordinal);

    public StatementDescription? Find(string sql) =>
        capacity > 0 && _statements.TryGetValue(sql, out var description) ? description : null;

    public void Add(string sql, StatementDescription description)
    {
        if (capacity <= 0) return;
        if (_statements.Count >= capacity) _statements.Clear();
        _statements[sql] = description;
    }

    public void Clear() => _statements.Clear();
}

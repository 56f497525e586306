namespace PgWire;

/// <summary>
/// The fields of an ErrorResponse or NoticeResponse. Each field is optional on the wire; SQLSTATE, severity and
/// message are always present in messages from a real server and are empty strings otherwise.
/// </summary>
public sealed class PgErrorFields
{
    /// <summary>Severity, never localized ('V' field, falling back to 'S').</summary>
    public string Severity { get; init; } = "";

    /// <summary>Localized severity ('S' field).</summary>
    public string LocalizedSeverity { get; init; } = "";

    /// <summary>SQLSTATE code ('C').</summary>
    public string SqlState { get; init; } = "";

    /// <summary>Primary message ('M').</summary>
    public string MessageText { get; init; } = "";

    /// <summary>Detail ('D').</summary>
    public string? Detail { get; init; }

    /// <summary>Hint ('H').</summary>
    public string? Hint { get; init; }

    /// <summary>1-based character position in the query ('P'), or 0.</summary>
    public int Position { get; init; }

    /// <summary>Position in the internal query ('p'), or 0.</summary>
    public int InternalPosition { get; init; }

    /// <summary>Internal query ('q').</summary>
    public string? InternalQuery { get; init; }

    /// <summary>Context ('W').</summary>
    public string? Where { get; init; }

    /// <summary>Schema name ('s').</summary>
    public string? SchemaName { get; init; }

    /// <summary>Table name ('t').</summary>
    public string? TableName { get; init; }

    /// <summary>Column name ('c').</summary>
    public string? ColumnName { get; init; }

    /// <summary>Data type name ('d').</summary>
    public string? DataTypeName { get; init; }

    /// <summary>Constraint name ('n').</summary>
    public string? ConstraintName { get; init; }

    /// <summary>Source file ('F').</summary>
    public string? File { get; init; }

    /// <summary>Source line ('L').</summary>
    public string? Line { get; init; }

    /// <summary>Source routine ('R').</summary>
    public string? Routine { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{Severity} {SqlState}: {MessageText}";
}

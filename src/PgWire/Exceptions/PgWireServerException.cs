using System.Text;
using PgWire.Exceptions;

namespace PgWire;

/// <summary>
/// An error the PostgreSQL server reported (an ErrorResponse), with every field the server sent (Npgsql calls this
/// type PostgresException). See the "Error and Notice Message Fields" section of the PostgreSQL protocol documentation.
/// </summary>
public sealed class PgWireServerException : PgWireException
{
    /// <summary>Creates an exception from the fields of a server error.</summary>
    /// <param name="fields">The fields as the server sent them.</param>
    public PgWireServerException(PgErrorFields fields)
        : base(BuildMessage(fields ?? throw new ArgumentNullException(nameof(fields))))
    {
        Fields = fields;
    }

    /// <summary>Creates an exception with a message only (no server fields).</summary>
    /// <param name="message">The message.</param>
    public PgWireServerException(string message) : base(message) { Fields = new PgErrorFields(); }

    /// <summary>Creates an exception with a message and a cause (no server fields).</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public PgWireServerException(string message, Exception? innerException) : base(message, innerException) { Fields = new PgErrorFields(); }

    /// <summary>Creates an exception with no fields.</summary>
    public PgWireServerException() : this("The server reported an error.") { }

    /// <summary>All fields the server sent.</summary>
    public PgErrorFields Fields { get; }

    /// <summary>The five-character SQLSTATE code, for example <c>23505</c>.</summary>
    public override string SqlState => Fields.SqlState;

    /// <summary>The severity, never localized (ERROR, FATAL, PANIC).</summary>
    public string Severity => Fields.Severity;

    /// <summary>The primary human-readable message.</summary>
    public string MessageText => Fields.MessageText;

    /// <summary>An optional secondary message with more detail.</summary>
    public string? Detail => Fields.Detail;

    /// <summary>An optional suggestion what to do about the problem.</summary>
    public string? Hint => Fields.Hint;

    /// <summary>The 1-based character position in the query string where the error occurred, or 0.</summary>
    public int Position => Fields.Position;

    /// <summary>The 1-based character position in an internally generated query, or 0.</summary>
    public int InternalPosition => Fields.InternalPosition;

    /// <summary>The text of the internally generated query that failed.</summary>
    public string? InternalQuery => Fields.InternalQuery;

    /// <summary>The context (call stack) in which the error occurred.</summary>
    public string? Where => Fields.Where;

    /// <summary>The schema of the object the error concerns.</summary>
    public string? SchemaName => Fields.SchemaName;

    /// <summary>The table the error concerns.</summary>
    public string? TableName => Fields.TableName;

    /// <summary>The column the error concerns.</summary>
    public string? ColumnName => Fields.ColumnName;

    /// <summary>The data type the error concerns.</summary>
    public string? DataTypeName => Fields.DataTypeName;

    /// <summary>The constraint the error concerns.</summary>
    public string? ConstraintName => Fields.ConstraintName;

    /// <summary>The server source file that reported the error.</summary>
    public string? File => Fields.File;

    /// <summary>The server source line that reported the error.</summary>
    public string? Line => Fields.Line;

    /// <summary>The server source routine that reported the error.</summary>
    public string? Routine => Fields.Routine;

    /// <summary>In a batch or a multi-statement command: the position of the statement that failed, or -1.</summary>
    public int StatementIndex { get; internal set; } = -1;

    /// <summary>Set when the statement failed while being prepared, before any statement of its batch ran.</summary>
    internal bool BeforeExecution { get; set; }

    /// <inheritdoc />
    public override bool IsTransient => SqlState is
        SqlStates.SerializationFailure or SqlStates.DeadlockDetected or SqlStates.InsufficientResources or SqlStates.DiskFull
        or SqlStates.OutOfMemory or SqlStates.TooManyConnections or SqlStates.CannotConnectNow or SqlStates.ConnectionException
        or SqlStates.ConnectionDoesNotExist or SqlStates.ConnectionFailure;

    private static string BuildMessage(PgErrorFields fields)
    {
        var sb = new StringBuilder();
        sb.Append(fields.SqlState).Append(": ").Append(fields.MessageText);
        if (fields.Detail is not null) sb.Append(Environment.NewLine).Append("DETAIL: ").Append(fields.Detail);
        if (fields.Hint is not null) sb.Append(Environment.NewLine).Append("HINT: ").Append(fields.Hint);
        if (fields.Position > 0) sb.Append(Environment.NewLine).Append("POSITION: ").Append(fields.Position);
        return sb.ToString();
    }
}

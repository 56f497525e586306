using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;

namespace PgWire;

/// <summary>
/// Generates the INSERT, UPDATE and DELETE commands of a <see cref="PgWireDataAdapter"/> from its single-table
/// SELECT (which must include the table's primary key or a unique column): identifiers are double-quoted, and UPDATE
/// and DELETE find the row by its original values (optimistic concurrency: a row changed by someone else since it was
/// read updates nothing, and <c>Update</c> throws <see cref="DBConcurrencyException"/>).
/// </summary>
public sealed class PgWireCommandBuilder : DbCommandBuilder
{
    /// <summary>Creates a builder with no adapter.</summary>
    public PgWireCommandBuilder()
    {
        QuotePrefix = "\"";
        QuoteSuffix = "\"";
    }

    /// <summary>Creates a builder for <paramref name="adapter"/>.</summary>
    /// <param name="adapter">The adapter whose SELECT the commands are built from.</param>
    public PgWireCommandBuilder(PgWireDataAdapter adapter) : this() => DataAdapter = adapter;

    /// <summary>The adapter the commands are built for.</summary>
    public new PgWireDataAdapter? DataAdapter
    {
        get => (PgWireDataAdapter?)base.DataAdapter;
        set => base.DataAdapter = value;
    }

    /// <summary>The generated INSERT command.</summary>
    public new PgWireCommand GetInsertCommand() => (PgWireCommand)base.GetInsertCommand();

    /// <summary>The generated INSERT command.</summary>
    public new PgWireCommand GetInsertCommand(bool useColumnsForParameterNames) => (PgWireCommand)base.GetInsertCommand(useColumnsForParameterNames);

    /// <summary>The generated UPDATE command.</summary>
    public new PgWireCommand GetUpdateCommand() => (PgWireCommand)base.GetUpdateCommand();

    /// <summary>The generated UPDATE command.</summary>
    public new PgWireCommand GetUpdateCommand(bool useColumnsForParameterNames) => (PgWireCommand)base.GetUpdateCommand(useColumnsForParameterNames);

    /// <summary>The generated DELETE command.</summary>
    public new PgWireCommand GetDeleteCommand() => (PgWireCommand)base.GetDeleteCommand();

    /// <summary>The generated DELETE command.</summary>
    public new PgWireCommand GetDeleteCommand(bool useColumnsForParameterNames) => (PgWireCommand)base.GetDeleteCommand(useColumnsForParameterNames);

    /// <summary>An identifier in double quotes, embedded quotes doubled: <c>my "table"</c> becomes <c>"my ""table"""</c>.</summary>
    public override string QuoteIdentifier(string unquotedIdentifier)
    {
        ArgumentNullException.ThrowIfNull(unquotedIdentifier);
        return "\"" + unquotedIdentifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>The identifier inside double quotes, doubled quotes undone; an unquoted identifier as it is.</summary>
    public override string UnquoteIdentifier(string quotedIdentifier)
    {
        ArgumentNullException.ThrowIfNull(quotedIdentifier);
        return quotedIdentifier.Length >= 2 && quotedIdentifier[0] == '"' && quotedIdentifier[^1] == '"'
            ? quotedIdentifier[1..^1].Replace("\"\"", "\"", StringComparison.Ordinal)
            : quotedIdentifier;
    }

    /// <inheritdoc />
    protected override void ApplyParameterInfo(DbParameter parameter, DataRow row, StatementType statementType, bool whereClause)
    {
        // The builder reuses parameter objects from one row's command to the next, where the same name may stand for
        // another column: forget any type set before, so the value's CLR type decides (NULL lets the server decide).
        parameter.ResetDbType();
    }

    /// <inheritdoc />
    protected override string GetParameterName(int parameterOrdinal) => "@p" + parameterOrdinal.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <inheritdoc />
    protected override string GetParameterName(string parameterName) => "@" + parameterName;

    /// <inheritdoc />
    protected override string GetParameterPlaceholder(int parameterOrdinal) => GetParameterName(parameterOrdinal);

    /// <inheritdoc />
    protected override void SetRowUpdatingHandler(DbDataAdapter adapter)
    {
        if (adapter is not PgWireDataAdapter pgAdapter)
            throw new ArgumentException($"A PgWireCommandBuilder works with a PgWireDataAdapter, not a {adapter.GetType()}.", nameof(adapter));
        if (ReferenceEquals(adapter, base.DataAdapter)) pgAdapter.RowUpdating -= OnRowUpdating;
        else pgAdapter.RowUpdating += OnRowUpdating;
    }

    [SuppressMessage("Style", "IDE0060", Justification = "Event handler signature.")]
    private void OnRowUpdating(object? sender, RowUpdatingEventArgs e) => RowUpdatingHandler(e);
}

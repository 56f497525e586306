using System.Data;
using System.Data.Common;

namespace PgWire;

/// <summary>
/// Fills a <see cref="DataSet"/> or <see cref="DataTable"/> from a query and writes changed rows back with its
/// INSERT, UPDATE and DELETE commands (which a <see cref="PgWireCommandBuilder"/> can generate from the query).
/// </summary>
public sealed class PgWireDataAdapter : DbDataAdapter
{
    /// <summary>Creates an adapter with no commands.</summary>
    public PgWireDataAdapter() { }

    /// <summary>Creates an adapter that fills from <paramref name="selectCommand"/>.</summary>
    /// <param name="selectCommand">The query.</param>
    public PgWireDataAdapter(PgWireCommand selectCommand) => SelectCommand = selectCommand;

    /// <summary>Creates an adapter that fills from a query on a connection.</summary>
    /// <param name="selectCommandText">The query.</param>
    /// <param name="connection">The connection (opened and closed again by Fill and Update when it is closed).</param>
    public PgWireDataAdapter(string selectCommandText, PgWireConnection connection) => SelectCommand = new PgWireCommand(selectCommandText, connection);

    /// <summary>Creates an adapter that fills from a query on a connection of its own.</summary>
    /// <param name="selectCommandText">The query.</param>
    /// <param name="connectionString">The connection string.</param>
    public PgWireDataAdapter(string selectCommandText, string connectionString)
        : this(selectCommandText, new PgWireConnection(connectionString))
    {
    }

    /// <summary>The query that fills.</summary>
    public new PgWireCommand? SelectCommand
    {
        get => (PgWireCommand?)base.SelectCommand;
        set => base.SelectCommand = value;
    }

    /// <summary>The command that inserts added rows.</summary>
    public new PgWireCommand? InsertCommand
    {
        get => (PgWireCommand?)base.InsertCommand;
        set => base.InsertCommand = value;
    }

    /// <summary>The command that updates modified rows.</summary>
    public new PgWireCommand? UpdateCommand
    {
        get => (PgWireCommand?)base.UpdateCommand;
        set => base.UpdateCommand = value;
    }

    /// <summary>The command that deletes deleted rows.</summary>
    public new PgWireCommand? DeleteCommand
    {
        get => (PgWireCommand?)base.DeleteCommand;
        set => base.DeleteCommand = value;
    }

    /// <summary>Raised before a row's command runs during <c>Update</c> (a command builder listens to it).</summary>
    public event EventHandler<RowUpdatingEventArgs>? RowUpdating;

    /// <summary>Raised after a row's command ran during <c>Update</c>.</summary>
    public event EventHandler<RowUpdatedEventArgs>? RowUpdated;

    /// <inheritdoc />
    protected override void OnRowUpdating(RowUpdatingEventArgs value) => RowUpdating?.Invoke(this, value);

    /// <inheritdoc />
    protected override void OnRowUpdated(RowUpdatedEventArgs value) => RowUpdated?.Invoke(this, value);
}

using System.Data.Common;

namespace PgWire;

/// <summary>
/// The ADO.NET provider factory. Register it with
/// <c>DbProviderFactories.RegisterFactory("PgWire", PgWireFactory.Instance)</c>.
/// </summary>
public sealed class PgWireFactory : DbProviderFactory
{
    /// <summary>The one instance.</summary>
    public static readonly PgWireFactory Instance = new();

    private PgWireFactory() { }

    /// <inheritdoc />
    public override bool CanCreateDataSourceEnumerator => false;

    /// <inheritdoc />
    public override bool CanCreateBatch => true;

    /// <summary>True: <see cref="CreateCommandBuilder"/> gives a <see cref="PgWireCommandBuilder"/>.</summary>
    public override bool CanCreateCommandBuilder => true;

    /// <summary>True: <see cref="CreateDataAdapter"/> gives a <see cref="PgWireDataAdapter"/>.</summary>
    public override bool CanCreateDataAdapter => true;

    /// <inheritdoc />
    public override DbCommandBuilder CreateCommandBuilder() => new PgWireCommandBuilder();

    /// <inheritdoc />
    public override DbDataAdapter CreateDataAdapter() => new PgWireDataAdapter();

    /// <inheritdoc />
    public override DbBatch CreateBatch() => new PgWireBatch();

    /// <inheritdoc />
    public override DbBatchCommand CreateBatchCommand() => new PgWireBatchCommand();

    /// <inheritdoc />
    public override DbCommand CreateCommand() => new PgWireCommand();

    /// <inheritdoc />
    public override DbConnection CreateConnection() => new PgWireConnection();

    /// <inheritdoc />
    public override DbConnectionStringBuilder CreateConnectionStringBuilder() => new PgWireConnectionStringBuilder();

    /// <inheritdoc />
    public override DbParameter CreateParameter() => new PgWireParameter();

    /// <inheritdoc />
    public override DbDataSource CreateDataSource(string connectionString) => PgWireDataSource.Create(connectionString);
}

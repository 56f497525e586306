using System.Runtime.CompilerServices;
using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using PgWire.Connection;

namespace PgWire;

/// <summary>
/// An ADO.NET command: SQL with named (<c>@name</c>, <c>:name</c>) or positional (<c>$1</c>) parameters, possibly
/// several statements separated by semicolons, or a procedure name (<see cref="CommandType.StoredProcedure"/>, run with CALL).
/// </summary>
public sealed class PgWireCommand : DbCommand
{
    private string _commandText = "";
    private int _commandTimeout = -1;
    private PgWireConnection? _connection;

    /// <summary>Creates a command with no text and no connection.</summary>
    public PgWireCommand() { }

    /// <summary>Creates a command in a transaction (as ADO.NET providers offer: <c>new SqlCommand(sql, connection, transaction)</c>).</summary>
    /// <param name="commandText">The SQL.</param>
    /// <param name="connection">The connection to run it on.</param>
    /// <param name="transaction">The connection's transaction, or null.</param>
    public PgWireCommand(string? commandText, PgWireConnection? connection, PgWireTransaction? transaction)
        : this(commandText, connection) => Transaction = transaction;

    /// <summary>Creates a command.</summary>
    /// <param name="commandText">The SQL.</param>
    /// <param name="connection">The connection to run it on.</param>
    public PgWireCommand(string? commandText, PgWireConnection? connection = null)
    {
        CommandText = commandText;
        _connection = connection;
    }

    /// <summary>The SQL text, or the procedure name for <see cref="CommandType.StoredProcedure"/>.</summary>
    [AllowNull]
    public override string CommandText
    {
        get => _commandText;
        set
        {
            ThrowIfReaderOpen(nameof(CommandText));
            _commandText = value ?? "";
        }
    }

    /// <summary>Seconds before the command is cancelled on the server; 0 for no limit. Defaults to the connection string's Command Timeout (30).</summary>
    public override int CommandTimeout
    {
        get => _commandTimeout >= 0 ? _commandTimeout : _connection is null ? 30 : new PgWireConnectionStringBuilder(_connection.ConnectionString).CommandTimeout;
        set => _commandTimeout = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "CommandTimeout cannot be negative.");
    }

    /// <summary>Text (default) or StoredProcedure; TableDirect is not supported.</summary>
    public override CommandType CommandType { get; set; } = CommandType.Text;

    /// <inheritdoc />
    public override bool DesignTimeVisible { get; set; }

    /// <inheritdoc />
    public override UpdateRowSource UpdatedRowSource { get; set; }

    /// <summary>The connection the command runs on.</summary>
    public new PgWireConnection? Connection
    {
        get => _connection;
        set
        {
            ThrowIfReaderOpen(nameof(Connection));
            _connection = value;
        }
    }

    /// <inheritdoc />
    protected override DbConnection? DbConnection
    {
        get => _connection;
        set => Connection = value is null or PgWireConnection ? (PgWireConnection?)value
            : throw new ArgumentException($"A PgWireCommand runs on a PgWireConnection, not a {value.GetType()}.", nameof(value));
    }

    /// <summary>The command's parameters.</summary>
    public new PgWireParameterCollection Parameters { get; } = new();

    /// <inheritdoc />
    protected override DbParameterCollection DbParameterCollection => Parameters;

    /// <summary>
    /// The transaction the command runs in: it must be its connection's current transaction, or null when the
    /// connection has none (as in SqlClient and MySqlConnector); anything else fails when the command runs. Null once
    /// the transaction has been committed or rolled back. <see cref="PgWireConnection.CreateCommand"/> sets it.
    /// </summary>
    public new PgWireTransaction? Transaction
    {
        get => _transaction is { IsCompleted: false } ? _transaction : null;
        set
        {
            ThrowIfReaderOpen(nameof(Transaction));
            _transaction = value;
        }
    }

    private PgWireTransaction? _transaction;

    /// <inheritdoc />
    protected override DbTransaction? DbTransaction
    {
        get => Transaction;
        set => Transaction = value is null or PgWireTransaction ? (PgWireTransaction?)value
            : throw new ArgumentException($"A PgWireCommand takes a PgWireTransaction, not a {value.GetType()}.", nameof(value));
    }

    /// <summary>The reader this command's last execution returned, while it is open.</summary>
    internal PgWireDataReader? ActiveReader { get; set; }

    private void ThrowIfReaderOpen(string property)
    {
        if (ActiveReader is { IsClosed: false })
            throw new InvalidOperationException($"{property} cannot change while the command's data reader is open: close the reader first.");
    }

    /// <summary>Creates a parameter (not yet added to <see cref="Parameters"/>).</summary>
    public new PgWireParameter CreateParameter() => new();

    /// <inheritdoc />
    protected override DbParameter CreateDbParameter() => CreateParameter();

    /// <summary>
    /// Prepares the command's statements as named server statements: now on the open connection, and from their first
    /// use on every other connection of the same data source (statements are also prepared automatically once run
    /// Auto Prepare Min Usages times). Parameters must be set, as their types are part of the statement.
    /// </summary>
    public override void Prepare() => PrepareAsync(CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>Prepares the command's statements; see <see cref="Prepare"/>.</summary>
    /// <param name="cancellationToken">Cancels the preparation.</param>
    public override async Task PrepareAsync(CancellationToken cancellationToken = default)
    {
        if (_connection is null && DataSource is not null)
        {
            foreach (var (sql, _) in Statements(preparing: true)) DataSource.MarkPrepared(sql);
            return;
        }
        var connection = CheckReady();
        var statements = Statements(preparing: true);
        foreach (var (sql, _) in statements) connection.OwningDataSource.MarkPrepared(sql);
        await QueryRunner.PrepareAsync(connection.Connector, statements, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Asks the server to cancel the command if it is running; does nothing otherwise.</summary>
    public override void Cancel()
    {
        if (_connection is { State: ConnectionState.Open, ActiveReader: not null } connection) connection.Connector.Cancellation.RequestByCaller();
    }

    /// <inheritdoc />
    public override int ExecuteNonQuery() => ExecuteNonQueryAsync(CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>Runs every statement; returns the rows changed by INSERT, UPDATE, DELETE and MERGE, or -1 when none of those ran.</summary>
    public override async Task<int> ExecuteNonQueryAsync(CancellationToken cancellationToken) =>
        await ConsumeForNonQueryAsync(await ExecuteReaderCoreAsync(CommandBehavior.Default, cancellationToken).ConfigureAwait(false), cancellationToken)
            .ConfigureAwait(false);

    /// <inheritdoc />
    public override object? ExecuteScalar() => ExecuteScalarAsync(CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>The first column of the first row of the first result; null when there is none, <see cref="DBNull"/> for SQL NULL.</summary>
    public override async Task<object?> ExecuteScalarAsync(CancellationToken cancellationToken) =>
        await ConsumeForScalarAsync(await ExecuteReaderCoreAsync(CommandBehavior.Default, cancellationToken).ConfigureAwait(false), cancellationToken)
            .ConfigureAwait(false);

    /// <summary>Runs the command and returns a reader over its results.</summary>
    public new PgWireDataReader ExecuteReader() => ExecuteReader(CommandBehavior.Default);

    /// <summary>Runs the command and returns a reader over its results.</summary>
    public new PgWireDataReader ExecuteReader(CommandBehavior behavior) =>
        ExecuteReaderAsync(behavior, CancellationToken.None).GetAwaiter().GetResult();

    /// <inheritdoc />
    protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior) => ExecuteReader(behavior);

    /// <inheritdoc />
    protected override async Task<DbDataReader> ExecuteDbDataReaderAsync(CommandBehavior behavior, CancellationToken cancellationToken) =>
        await ExecuteReaderCoreAsync(behavior, cancellationToken).ConfigureAwait(false);

    /// <summary>Runs the command and returns a reader over its results (rows are streamed: memory stays bounded).</summary>
    public new Task<PgWireDataReader> ExecuteReaderAsync(CancellationToken cancellationToken = default) =>
        ExecuteReaderCoreAsync(CommandBehavior.Default, cancellationToken).AsTask();

    /// <summary>Runs the command and returns a reader over its results (rows are streamed: memory stays bounded).</summary>
    public new Task<PgWireDataReader> ExecuteReaderAsync(CommandBehavior behavior, CancellationToken cancellationToken = default) =>
        ExecuteReaderCoreAsync(behavior, cancellationToken).AsTask();

    // The steps below the public Task-returning methods complete through pooled ValueTasks: a command allocates one
    // task for its caller, not one per layer.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    internal async ValueTask<PgWireDataReader> ExecuteReaderCoreAsync(CommandBehavior behavior, CancellationToken cancellationToken)
    {
        if (_connection is not null || DataSource is null)
        {
            var connection = CheckReady();
            var reader = NewReader(connection, Statements(), behavior, null, null);
            return await StartReaderAsync(connection, reader, cancellationToken).ConfigureAwait(false);
        }
        // A data source's command: a connection of its own for this execution, closed with the reader.
        var own = await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        _connection = own;
        try
        {
            var reader = NewReader(own, Statements(), behavior | CommandBehavior.CloseConnection, null, null);
            return await StartReaderAsync(own, reader, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await own.CloseAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            _connection = null;
        }
    }

    /// <summary>For a command made by <see cref="PgWireDataSource.CreateCommand(string?)"/>: where it takes a connection from.</summary>
    internal PgWireDataSource? DataSource { get; init; }

    /// <summary>The command timeout the session applies while this command runs.</summary>
    internal TimeSpan? Timeout => _commandTimeout >= 0 ? TimeSpan.FromSeconds(_commandTimeout) : null;

    /// <summary>The statements to run, with their parameter values, checked before anything is sent.</summary>
    private List<(string Sql, object?[] Values)> Statements(bool preparing = false) =>
        CommandStatements.Build(_commandText, CommandType, Parameters.Items, ref _rewriteCache, _statementsBuffer ??= [], preparing);

    /// <summary>The statement list handed to this command's last reader, refilled for the next execution (the reader is closed by then).</summary>
    private List<(string Sql, object?[] Values)>? _statementsBuffer;

    private CommandStatements.RewriteCache? _rewriteCache;

    /// <summary>Runs a batch's commands in one round trip; the reader attributes results and errors to them.</summary>
    internal async Task<PgWireDataReader> ExecuteBatchReaderAsync(List<PgWireBatchCommand> commands, CommandBehavior behavior, CancellationToken cancellationToken)
    {
        if (_connection is null && DataSource is not null)
            return await OnOwnConnectionAsync(behavior, b => ExecuteBatchReaderAsync(commands, b, cancellationToken), cancellationToken).ConfigureAwait(false);
        var connection = CheckReady();
        var (statements, owners) = CommandStatements.BuildBatch(commands);
        var reader = NewReader(connection, statements, behavior, commands, owners);
        return await StartReaderAsync(connection, reader, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// ExecuteNonQuery for a batch: every command sent as one pipeline (one Sync) and the answers counted as they
    /// arrive, without a reader stepping through each result. Falls back to the reader (and its statement-by-statement
    /// mode) when a later command cannot be prepared before the earlier ones ran.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    internal async ValueTask<int> ExecuteBatchNonQueryAsync(List<PgWireBatchCommand> commands, CancellationToken cancellationToken)
    {
        if (_connection is null && DataSource is not null)
        {
            var own = await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            _connection = own;
            try
            {
                return await ExecuteBatchNonQueryAsync(commands, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _connection = null;
                await own.DisposeAsync().ConfigureAwait(false);
            }
        }
        var connection = CheckReady();
        var (statements, owners) = CommandStatements.BuildBatch(commands);
        // One statement per command: one pipeline, counted as the answers arrive.
        if (statements.Count == commands.Count
            && await CommandExecution.PipelineNonQueryAsync(connection.Connector, statements, commands, Timeout, cancellationToken).ConfigureAwait(false) is { } total)
            return total;
        // A command with several statements (results attributed statement by statement), or one that uses what an
        // earlier one creates (then run one by one): through a reader.
        var reader = NewReader(connection, statements, CommandBehavior.Default, commands, owners);
        return await ConsumeForNonQueryAsync(await StartReaderAsync(connection, reader, cancellationToken).ConfigureAwait(false), cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>ExecuteNonQuery: runs through every result, closes, returns RecordsAffected.</summary>
    private static async Task<int> ConsumeForNonQueryAsync(PgWireDataReader reader, CancellationToken cancellationToken)
    {
        await using (reader)
        {
            while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false)) { }
            await reader.CloseAsync().ConfigureAwait(false);
            return reader.RecordsAffected;
        }
    }

    /// <summary>ExecuteScalar: the first column of the first row of the first result; every result is still consumed.</summary>
    internal static async Task<object?> ConsumeForScalarAsync(PgWireDataReader reader, CancellationToken cancellationToken)
    {
        await using (reader)
        {
            object? value = null;
            if (reader.FieldCount > 0 && await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) value = reader.GetValue(0);
            while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false)) { }
            return value;
        }
    }

    private PgWireDataReader NewReader(
        PgWireConnection connection, List<(string, object?[])> statements, CommandBehavior behavior, List<PgWireBatchCommand>? commands, int[]? owners) =>
        new(connection, CommandExecution.For(connection, statements, Timeout, commands, owners), behavior);

    /// <summary>A data source's command or batch: a connection of its own for this execution, closed with the reader.</summary>
    private async Task<PgWireDataReader> OnOwnConnectionAsync(
        CommandBehavior behavior, Func<CommandBehavior, Task<PgWireDataReader>> execute, CancellationToken cancellationToken)
    {
        var connection = await DataSource!.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        _connection = connection;
        try
        {
            return await execute(behavior | CommandBehavior.CloseConnection).ConfigureAwait(false);
        }
        catch
        {
            await connection.CloseAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            _connection = null;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<PgWireDataReader> StartReaderAsync(PgWireConnection connection, PgWireDataReader reader, CancellationToken cancellationToken)
    {
        connection.ActiveReader = reader;
        ActiveReader = reader;
        try
        {
            await reader.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await reader.CloseAsync().ConfigureAwait(false);
            throw;
        }
        return reader;
    }

    private PgWireConnection CheckReady()
    {
        var connection = _connection ?? throw new InvalidOperationException("The command has no Connection.");
        var state = connection.State;
        if (state == ConnectionState.Broken) _ = connection.Connector; // throws, saying why it broke
        if (state != ConnectionState.Open) throw new InvalidOperationException("The command's connection is not open: call Open or OpenAsync first.");
        connection.ThrowIfBusy();
        var transaction = Transaction;
        if (!ReferenceEquals(transaction, connection.Transaction))
            throw new InvalidOperationException(transaction is null
                ? "The connection has a transaction open, but the command's Transaction is null: set it to the connection's transaction (PgWireConnection.CreateCommand does)."
                : transaction.Connection != connection
                    ? "The command's Transaction belongs to another connection."
                    : "The command's Transaction is not the connection's current transaction.");
        return connection;
    }
}

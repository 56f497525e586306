using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;

namespace PgWire;

/// <summary>
/// Several commands sent in one round trip with one Sync: they run in one implicit transaction (outside an explicit
/// one), so an error in any of them rolls all of them back. The failing command is named by the exception's
/// <see cref="DbException.BatchCommand"/>.
/// </summary>
public sealed class PgWireBatch : DbBatch
{
    private PgWireConnection? _connection;

    /// <summary>Creates an empty batch.</summary>
    public PgWireBatch() { }

    /// <summary>Creates an empty batch on a connection.</summary>
    /// <param name="connection">The connection.</param>
    public PgWireBatch(PgWireConnection connection) => _connection = connection;

    /// <summary>The commands, run in order.</summary>
    public new PgWireBatchCommandCollection BatchCommands { get; } = new();

    /// <inheritdoc />
    protected override DbBatchCommandCollection DbBatchCommands => BatchCommands;

    /// <summary>Seconds before the batch is cancelled on the server; 0 for no limit; defaults to the connection string's Command Timeout.</summary>
    public override int Timeout { get; set; } = -1;

    /// <summary>The connection the batch runs on.</summary>
    public new PgWireConnection? Connection
    {
        get => _connection;
        set => _connection = value;
    }

    /// <inheritdoc />
    protected override DbConnection? DbConnection
    {
        get => _connection;
        set => _connection = (PgWireConnection?)value;
    }

    /// <summary>Informational: a batch runs in its connection's transaction.</summary>
    /// <remarks>It must be the connection's current transaction (null when it has none), as for <see cref="PgWireCommand.Transaction"/>.</remarks>
    public new PgWireTransaction? Transaction
    {
        get => _transaction is { IsCompleted: false } ? _transaction : null;
        set => _transaction = value;
    }

    private PgWireTransaction? _transaction;

    /// <inheritdoc />
    protected override DbTransaction? DbTransaction
    {
        get => Transaction;
        set => Transaction = (PgWireTransaction?)value;
    }

    /// <summary>Creates a command for <see cref="BatchCommands"/> (not yet added).</summary>
    public new PgWireBatchCommand CreateBatchCommand() => new();

    /// <inheritdoc />
    protected override DbBatchCommand CreateDbBatchCommand() => CreateBatchCommand();

    /// <inheritdoc />
    public override void Cancel() => ToCommand().Cancel();

    /// <inheritdoc />
    public override int ExecuteNonQuery() => ExecuteNonQueryAsync().GetAwaiter().GetResult();

    /// <summary>Runs every command; returns the rows changed in total (-1 when no command changed rows). Each command's count is in its <see cref="PgWireBatchCommand.RecordsAffected"/>.</summary>
    public override async Task<int> ExecuteNonQueryAsync(CancellationToken cancellationToken = default)
    {
        if (BatchCommands.Count == 0) throw new InvalidOperationException("The batch has no commands.");
        return await ToCommand().ExecuteBatchNonQueryAsync(BatchCommands.Items, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override object? ExecuteScalar() => ExecuteScalarAsync().GetAwaiter().GetResult();

    /// <summary>The first column of the first row of the first result set.</summary>
    public override async Task<object?> ExecuteScalarAsync(CancellationToken cancellationToken = default) =>
        await PgWireCommand.ConsumeForScalarAsync(await ExecuteReaderAsync(CommandBehavior.Default, cancellationToken).ConfigureAwait(false), cancellationToken)
            .ConfigureAwait(false);

    /// <summary>Runs the batch and returns a reader over its result sets, one per command that returns rows.</summary>
    public new PgWireDataReader ExecuteReader(CommandBehavior behavior = CommandBehavior.Default) =>
        ExecuteReaderAsync(behavior).GetAwaiter().GetResult();

    /// <inheritdoc />
    protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior) => ExecuteReader(behavior);

    /// <inheritdoc />
    protected override async Task<DbDataReader> ExecuteDbDataReaderAsync(CommandBehavior behavior, CancellationToken cancellationToken) =>
        await ExecuteReaderAsync(behavior, cancellationToken).ConfigureAwait(false);

    /// <summary>Runs the batch and returns a reader over its result sets, one per command that returns rows.</summary>
    public new Task<PgWireDataReader> ExecuteReaderAsync(CommandBehavior behavior = CommandBehavior.Default, CancellationToken cancellationToken = default)
    {
        if (BatchCommands.Count == 0) throw new InvalidOperationException("The batch has no commands.");
        return ToCommand().ExecuteBatchReaderAsync(BatchCommands.Items, behavior, cancellationToken);
    }

    /// <summary>Prepares every command's statements as named server statements (see <see cref="PgWireCommand.Prepare"/>).</summary>
    public override void Prepare() => PrepareAsync(CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>Prepares every command's statements; see <see cref="PgWireCommand.Prepare"/>.</summary>
    /// <param name="cancellationToken">Cancels the preparation.</param>
    public override async Task PrepareAsync(CancellationToken cancellationToken = default)
    {
        foreach (var batchCommand in BatchCommands.Items)
        {
            var command = ToCommand();
            command.CommandText = batchCommand.CommandText;
            command.CommandType = batchCommand.CommandType;
            foreach (var parameter in batchCommand.Parameters.Items) command.Parameters.Add(parameter);
            await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
            command.Parameters.Clear();
        }
    }

    /// <summary>For a batch made by <see cref="PgWireDataSource.CreateBatch"/>: where it takes a connection from.</summary>
    internal PgWireDataSource? DataSource { get; init; }

    private PgWireCommand ToCommand()
    {
        var command = new PgWireCommand(null, _connection) { DataSource = _connection is null ? DataSource : null, Transaction = Transaction };
        if (Timeout >= 0) command.CommandTimeout = Timeout;
        return command;
    }
}

/// <summary>One command of a <see cref="PgWireBatch"/>: one SQL statement and its parameters.</summary>
public sealed class PgWireBatchCommand : DbBatchCommand
{
    private string _commandText = "";

    /// <summary>This command's last rewrite (named parameters to $n), reused while text and names stay the same.</summary>
    internal CommandStatements.RewriteCache? _rewriteCache;

    /// <summary>Creates an empty batch command.</summary>
    public PgWireBatchCommand() { }

    /// <summary>Creates a batch command.</summary>
    /// <param name="commandText">The SQL statement.</param>
    public PgWireBatchCommand(string commandText) => _commandText = commandText;

    /// <inheritdoc />
    [AllowNull]
    public override string CommandText
    {
        get => _commandText;
        set => _commandText = value ?? "";
    }

    /// <summary>Text (default) or StoredProcedure.</summary>
    public override CommandType CommandType { get; set; } = CommandType.Text;

    /// <summary>Rows changed by this command once the batch ran; -1 when it changed none (or has not run).</summary>
    public override int RecordsAffected => _recordsAffected;

    /// <summary>The command's parameters.</summary>
    public new PgWireParameterCollection Parameters { get; } = new();

    /// <inheritdoc />
    protected override DbParameterCollection DbParameterCollection => Parameters;

    /// <inheritdoc />
    public override bool CanCreateParameter => true;

    /// <inheritdoc />
    public override DbParameter CreateParameter() => new PgWireParameter();

    internal int _recordsAffected = -1;
}

/// <summary>The commands of a <see cref="PgWireBatch"/>.</summary>
public sealed class PgWireBatchCommandCollection : DbBatchCommandCollection
{
    private readonly List<PgWireBatchCommand> _items = [];

    internal PgWireBatchCommandCollection() { }

    internal List<PgWireBatchCommand> Items => _items;

    /// <inheritdoc />
    public override int Count => _items.Count;

    /// <inheritdoc />
    public override bool IsReadOnly => false;

    /// <summary>The command at <paramref name="index"/>.</summary>
    public new PgWireBatchCommand this[int index]
    {
        get => _items[index];
        set => _items[index] = value;
    }

    /// <summary>Adds a command.</summary>
    public void Add(PgWireBatchCommand item) => _items.Add(item ?? throw new ArgumentNullException(nameof(item)));

    /// <inheritdoc />
    public override void Add(DbBatchCommand item) => Add(Cast(item));

    /// <inheritdoc />
    public override void Clear() => _items.Clear();

    /// <inheritdoc />
    public override bool Contains(DbBatchCommand item) => item is PgWireBatchCommand c && _items.Contains(c);

    /// <inheritdoc />
    public override void CopyTo(DbBatchCommand[] array, int arrayIndex)
    {
        ArgumentNullException.ThrowIfNull(array);
        for (var i = 0; i < _items.Count; i++) array[arrayIndex + i] = _items[i];
    }

    /// <inheritdoc />
    public override IEnumerator<DbBatchCommand> GetEnumerator() => _items.GetEnumerator();

    /// <inheritdoc />
    public override int IndexOf(DbBatchCommand item) => item is PgWireBatchCommand c ? _items.IndexOf(c) : -1;

    /// <inheritdoc />
    public override void Insert(int index, DbBatchCommand item) => _items.Insert(index, Cast(item));

    /// <inheritdoc />
    public override bool Remove(DbBatchCommand item) => item is PgWireBatchCommand c && _items.Remove(c);

    /// <inheritdoc />
    public override void RemoveAt(int index) => _items.RemoveAt(index);

    /// <inheritdoc />
    protected override DbBatchCommand GetBatchCommand(int index) => _items[index];

    /// <inheritdoc />
    protected override void SetBatchCommand(int index, DbBatchCommand batchCommand) => _items[index] = Cast(batchCommand);

    private static PgWireBatchCommand Cast(DbBatchCommand item) => item as PgWireBatchCommand
        ?? throw new InvalidCastException($"A PgWireBatch holds PgWireBatchCommand objects, not {item?.GetType().ToString() ?? "null"}.");
}

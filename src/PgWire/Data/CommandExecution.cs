using PgWire.Connection;
using PgWire.Diagnostics;

namespace PgWire;

/// <summary>
/// One execution of a command's or a batch's statements, behind the ADO.NET façades (<see cref="PgWireDataReader"/>,
/// <see cref="PgWireCommand"/>, <see cref="PgWireBatch"/>): sends every statement in one round trip (one implicit
/// transaction) and steps through their results with a <see cref="PgRowReader"/>; when a later statement cannot be
/// prepared before the earlier ones ran (it uses a table an earlier one creates), runs them one after another inside
/// a transaction block instead, with the same all-or-nothing outcome; counts RecordsAffected per statement and per
/// batch command; names the batch command a failure belongs to; and applies the command's timeout while it runs.
/// </summary>
/// <remarks>
/// Kept by its session once its reader closed (<see cref="ISessionSpare"/>) and reused, with its
/// <see cref="ReaderPosition"/> and its row reader, by the next command on that session: a command allocates only its
/// data reader. A closed data reader keeps what it may still be asked (RecordsAffected) and never touches this again.
/// </remarks>
internal sealed class CommandExecution : ISessionSpare
{
    private PgWireConnection _connection;
    private List<(string Sql, object?[] Values)> _statements;
    private TimeSpan? _timeout;
    private List<PgWireBatchCommand>? _batchCommands;
    private int[]? _owners;
    private PgRowReader? _spareReader;
    private static readonly List<(string Sql, object?[] Values)> s_noStatements = [];
    private int _accumulated;
    private bool _sequential;
    private int _sequentialIndex;
    private bool _ownTransaction;
    private long _recordsAffected;
    private Operation _operation;
    private DataSourceTelemetry _telemetry = DataSourceTelemetry.Silent;
    private Exception? _failure;

    private CommandExecution(
        PgWireConnection connection, List<(string, object?[])> statements, TimeSpan? timeout, List<PgWireBatchCommand>? batchCommands, int[]? owners)
    {
        Position = new ReaderPosition(this);
        Restart(connection, statements, timeout, batchCommands, owners);
    }

    /// <summary>An execution for the open <paramref name="connection"/>: the one its session kept, or a new one.</summary>
    public static CommandExecution For(
        PgWireConnection connection, List<(string, object?[])> statements, TimeSpan? timeout, List<PgWireBatchCommand>? batchCommands, int[]? owners)
    {
        var connector = connection.Connector;
        if (connector.Spare is not CommandExecution spare) return new CommandExecution(connection, statements, timeout, batchCommands, owners);
        connector.Spare = null;
        spare.Restart(connection, statements, timeout, batchCommands, owners);
        return spare;
    }

    /// <summary>Sets every piece of per-execution state.</summary>
    [System.Diagnostics.CodeAnalysis.MemberNotNull(nameof(_connection), nameof(_statements))]
    private void Restart(
        PgWireConnection connection, List<(string, object?[])> statements, TimeSpan? timeout, List<PgWireBatchCommand>? batchCommands, int[]? owners)
    {
        _connection = connection;
        _statements = statements;
        _timeout = timeout;
        _batchCommands = batchCommands;
        _owners = owners;
        _accumulated = -1;
        _sequential = _ownTransaction = false;
        _sequentialIndex = 0;
        _recordsAffected = -1;
        _failure = null;
        Current = null;
    }

    /// <summary>The data reader's place in the results (reused with this execution).</summary>
    public ReaderPosition Position { get; }

    /// <summary>The row reader of the current statement (null before the start and after the end).</summary>
    public PgRowReader? Current { get; private set; }

    /// <summary>How many statements the execution runs.</summary>
    public int StatementCount => _statements.Count;

    /// <summary>Rows changed by the INSERT, UPDATE, DELETE and MERGE statements whose results ended; -1 when none did.</summary>
    public long RecordsAffected => _recordsAffected;

    /// <summary>The position of the current statement among the execution's statements.</summary>
    public int StatementIndex => _sequential ? _sequentialIndex : Current?.StatementIndex ?? 0;

    /// <summary>True when results are still to be read from the server (or statements still to be run) before the end.</summary>
    public bool HasUnread => Current is not null && (!Current.IsCompleted || _sequential);

    /// <summary>
    /// Sends the statements (or, with <paramref name="schemaOnly"/>, only describes them: each result has its columns
    /// and no rows) and leaves <see cref="Current"/> at the first statement's result.
    /// </summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask StartAsync(bool schemaOnly, CancellationToken cancellationToken)
    {
        var connector = _connection.Connector;
        connector.Cancellation.CommandTimeoutOverride = _timeout;
        // Measured from here until the data reader closes (EndAsync).
        _telemetry = connector.Options.Telemetry;
        _operation = _telemetry.Start(OperationKind.Batch, _statements);
        if (_operation.IsActive)
        {
            DataSourceTelemetry.Acquired(ref _operation, 0, connector.ProcessId, connector.Options.Host, connector.Options.Port);
            if (_operation.WantsFirstRow) connector.Response.WatchFirstRow();
        }
        if (schemaOnly)
        {
            var described = await QueryRunner.DescribeOnlyAsync(connector, _statements, cancellationToken).ConfigureAwait(false);
            Current = PgRowReader.ForSchemaOnly(connector, described);
            while (Current.FieldCount == 0 && await Current.NextResultAsync(cancellationToken).ConfigureAwait(false)) { }
            return;
        }
        try
        {
            var known = await QueryRunner.StartBatchAsync(connector, _statements, cancellationToken).ConfigureAwait(false);
            Current = PgRowReader.ForDataReader(connector, known, firstStatementBound: false, TakeSpareReader());
        }
        catch (Exception e) when (Annotate(e))
        {
            throw;
        }
        catch (PgWireServerException e) when (e.StatementIndex > 0)
        {
            // Not a failure: the statements run one by one instead.
            _failure = null;
            _sequential = true;
            if (connector.TransactionStatus == Protocol.TransactionStatus.Idle)
            {
                await TransactionControl.BeginAsync(connector, System.Data.IsolationLevel.Unspecified, cancellationToken).ConfigureAwait(false);
                _ownTransaction = true;
            }
            _sequentialIndex = -1;
            await StartNextSequentialAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads the current statement's next row; false at the end of its result (its changed rows are counted then).</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> ReadAsync(CancellationToken cancellationToken)
    {
        bool hasRow;
        try
        {
            hasRow = await Current!.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await FailAsync(e).ConfigureAwait(false);
            throw;
        }
        if (!hasRow) ResultEnded();
        return hasRow;
    }

    /// <summary>Finishes the current statement's result (discarding its rows) and moves to the next statement; false after the last.</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> AdvanceAsync(CancellationToken cancellationToken)
    {
        var current = Current!;
        try
        {
            while (!current.IsResultDone) await current.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await FailAsync(e).ConfigureAwait(false);
            throw;
        }
        ResultEnded();
        if (!_sequential) return await current.NextResultAsync(cancellationToken).ConfigureAwait(false);
        return await StartNextSequentialAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A read failed: a server error is attributed to its statement and batch command, and the statement-by-statement
    /// fallback rolls back what ran, as one implicit transaction would be.
    /// </summary>
    public async ValueTask FailAsync(Exception e)
    {
        _failure ??= e;
        if (e is PgWireServerException postgres) Annotate(postgres);
        await AbortSequentialAsync().ConfigureAwait(false);
    }

    /// <summary>Adds the current statement's changed rows to <see cref="RecordsAffected"/>, once per statement, when its result ended.</summary>
    public void ResultEnded()
    {
        var current = Current!;
        // Past the last statement (the statement-by-statement mode after its COMMIT) nothing is left to count.
        if (!current.IsResultDone || _accumulated == StatementIndex || StatementIndex >= _statements.Count) return;
        _accumulated = StatementIndex;
        if (current.ModifiedRows < 0) return;
        _recordsAffected = Math.Max(_recordsAffected, 0) + current.ModifiedRows;
        if (_batchCommands is not null && _owners is not null)
        {
            var owner = _batchCommands[_owners[StatementIndex]];
            owner._recordsAffected = (int)Math.Min(Math.Max(owner._recordsAffected, 0) + current.ModifiedRows, int.MaxValue);
        }
    }

    /// <summary>
    /// The data reader closed: lets go of the row reader (kept for the next execution when its response ended), of the
    /// command's timeout and of the command's objects, and goes back to the session for its next command.
    /// </summary>
    public async ValueTask EndAsync()
    {
        if (_operation.IsActive)
        {
            var session = _connection.ConnectorOrNull;
            var firstRowAt = _operation.WantsFirstRow && session is not null ? session.Response.FirstRowAt : 0;
            _telemetry.End(ref _operation, -1, _failure, firstRowAt);
        }
        if (Current is { } current)
        {
            await current.DisposeAsync().ConfigureAwait(false);
            if (current.CanRestart) _spareReader = current;
        }
        Current = null;
        // Nothing of the command is kept while the session holds this: its values may be large.
        _statements = s_noStatements;
        _batchCommands = null;
        _owners = null;
        if (_connection.ConnectorOrNull is not { IsBroken: false } connector) return;
        connector.Cancellation.CommandTimeoutOverride = null;
        connector.Spare = this;
    }

    private PgRowReader? TakeSpareReader()
    {
        var spare = _spareReader;
        _spareReader = null;
        return spare;
    }

    /// <summary>
    /// ExecuteNonQuery for a batch of one statement per command: every command sent as one pipeline (one Sync) and
    /// the answers counted as they arrive, without stepping through each result. Returns the total RecordsAffected
    /// (each command's own is set), or null when a later command cannot be prepared before the earlier ones ran: the
    /// caller then runs them through an execution, which falls back to one at a time.
    /// </summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<int?> PipelineNonQueryAsync(
        PgConnector connector, List<(string Sql, object?[] Values)> statements, List<PgWireBatchCommand> commands, TimeSpan? timeout,
        CancellationToken cancellationToken)
    {
        connector.Cancellation.CommandTimeoutOverride = timeout;
        PipelineOutcome[] outcomes;
        var telemetry = connector.Options.Telemetry;
        var operation = telemetry.Start(OperationKind.Batch, statements);
        if (operation.IsActive) DataSourceTelemetry.Acquired(ref operation, 0, connector.ProcessId, connector.Options.Host, connector.Options.Port);
        try
        {
            var (done, rows) = await QueryRunner.ExecutePipelineAsync(connector, statements, syncEach: false, cancellationToken, collectRows: false).ConfigureAwait(false);
            if (rows is not null) Buffers.RowBufferPool.Return(rows);
            outcomes = done;
            telemetry.End(ref operation, -1, null);
        }
        catch (PgWireServerException e) when (e.BeforeExecution && e.StatementIndex > 0)
        {
            // Not run: the caller runs the batch through an execution, measured there.
            operation.Activity?.SetTag("pgwire.fallback", "sequential");
            telemetry.End(ref operation, -1, null);
            return null;
        }
        catch (Exception e)
        {
            if (e is PgWireServerException server && server.StatementIndex >= 0 && server.StatementIndex < commands.Count)
                server.FailedBatchCommand = commands[server.StatementIndex];
            telemetry.End(ref operation, -1, e);
            throw;
        }
        finally
        {
            connector.Cancellation.CommandTimeoutOverride = null;
        }
        long total = -1;
        for (var i = 0; i < outcomes.Length; i++)
        {
            if (!outcomes[i].Modified) continue;
            commands[i]._recordsAffected = (int)Math.Min(outcomes[i].RowsAffected, int.MaxValue);
            total = Math.Max(total, 0) + outcomes[i].RowsAffected;
        }
        return (int)Math.Min(total, int.MaxValue);
    }

    /// <summary>One statement at a time (the fallback): runs the next one, or commits the block after the last.</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> StartNextSequentialAsync(CancellationToken cancellationToken)
    {
        var connector = _connection.Connector;
        if (++_sequentialIndex >= _statements.Count)
        {
            if (_ownTransaction)
            {
                _ownTransaction = false;
                await TransactionControl.CommitAsync(connector, cancellationToken).ConfigureAwait(false);
            }
            return false;
        }
        var (sql, values) = _statements[_sequentialIndex];
        try
        {
            var known = await QueryRunner.StartStreamingAsync(connector, sql, values, cancellationToken).ConfigureAwait(false);
            Current = PgRowReader.ForDataReader(connector, connector.SingleKnown(known), firstStatementBound: true, TakeSpareReader());
            return true;
        }
        catch (PgWireServerException e)
        {
            e.StatementIndex = _sequentialIndex;
            Annotate(e);
            await AbortSequentialAsync().ConfigureAwait(false);
            throw;
        }
        catch
        {
            await AbortSequentialAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>After a failure in the fallback: the statements that ran are rolled back, as one implicit transaction would be.</summary>
    private async ValueTask AbortSequentialAsync()
    {
        _sequentialIndex = _statements.Count;
        if (!_ownTransaction) return;
        _ownTransaction = false;
        if (_connection.ConnectorOrNull is { IsBroken: false } connector)
            await TransactionControl.RollbackAsync(connector, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// Names the batch command a failed statement belongs to (the exception's BatchCommand). Returns false, so it can
    /// sit in an exception filter that lets the exception go on.
    /// </summary>
    private bool Annotate(Exception failure)
    {
        _failure ??= failure;
        if (failure is not PgWireServerException e) return false;
        // In the statement-by-statement fallback each statement has a reader of its own, which counts from 0.
        if (_sequential && _sequentialIndex < _statements.Count) e.StatementIndex = _sequentialIndex;
        if (_batchCommands is not null && _owners is not null && e.StatementIndex >= 0 && e.StatementIndex < _owners.Length)
            e.FailedBatchCommand = _batchCommands[_owners[e.StatementIndex]];
        return false;
    }
}

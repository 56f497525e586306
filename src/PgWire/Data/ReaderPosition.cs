using System.Data;

namespace PgWire;

/// <summary>
/// A data reader's place in its command's results, as ADO.NET defines it: the current result set (statements that
/// return no rows are stepped over, their counts still taken), the current row, the first row read ahead so that
/// <see cref="HasRows"/> is known, and the SingleRow and SingleResult behaviours (the other statements still ran: their
/// results are read and discarded).
/// </summary>
internal sealed class ReaderPosition(CommandExecution execution)
{
    private CommandBehavior _behavior;
    private bool _pendingRow;
    private bool _returnedResult;

    /// <summary>Before a new reader's first result (the position is reused with its execution).</summary>
    public void Restart(CommandBehavior behavior)
    {
        _behavior = behavior;
        _pendingRow = _returnedResult = false;
        OnRow = false;
        RowsRead = 0;
    }

    /// <summary>True while a row is current (after Read returned true).</summary>
    public bool OnRow { get; private set; }

    /// <summary>Rows of the current result handed out so far.</summary>
    public int RowsRead { get; private set; }

    /// <summary>Whether the current result set has at least one row.</summary>
    public bool HasRows => _pendingRow || RowsRead > 0;

    /// <summary>Starts the execution and moves to the first result set.</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask StartAsync(CancellationToken cancellationToken)
    {
        await execution.StartAsync((_behavior & CommandBehavior.SchemaOnly) != 0, cancellationToken).ConfigureAwait(false);
        // Described only: each result set has its columns and no rows, and the first with columns is current.
        if (execution.Current is null || (_behavior & CommandBehavior.SchemaOnly) != 0) return;
        if (await PositionAsync(cancellationToken).ConfigureAwait(false)) return;
        while (await execution.AdvanceAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await PositionAsync(cancellationToken).ConfigureAwait(false)) return;
        }
    }

    /// <summary>Reads what is left of every result (closing the reader).</summary>
    public async ValueTask DrainAsync()
    {
        while (await execution.AdvanceAsync(CancellationToken.None).ConfigureAwait(false)) { }
    }

    /// <summary>No row is current any more (the reader closed).</summary>
    public void Leave()
    {
        OnRow = false;
        _pendingRow = false;
    }

    /// <summary>Rows already received are handed out without an await or an allocation.</summary>
    public ValueTask<bool> ReadAsync(CancellationToken cancellationToken)
    {
        OnRow = false;
        if (_pendingRow)
        {
            _pendingRow = false;
            RowsRead++;
            OnRow = true;
            return new ValueTask<bool>(true);
        }
        if (execution.Current is null || execution.Current.IsResultDone) return new ValueTask<bool>(false);
        if ((_behavior & CommandBehavior.SingleRow) != 0 && RowsRead > 0) return new ValueTask<bool>(false);
        var pending = execution.Current.ReadAsync(cancellationToken);
        if (pending.IsCompletedSuccessfully)
        {
            if (pending.Result)
            {
                OnRow = true;
                RowsRead++;
                return new ValueTask<bool>(true);
            }
            execution.ResultEnded();
            return new ValueTask<bool>(false);
        }
        return ReadSlowAsync(pending);
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ReadSlowAsync(ValueTask<bool> pending)
    {
        bool hasRow;
        try
        {
            hasRow = await pending.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await execution.FailAsync(e).ConfigureAwait(false);
            throw;
        }
        if (hasRow)
        {
            OnRow = true;
            RowsRead++;
        }
        else
        {
            execution.ResultEnded();
        }
        return hasRow;
    }

    /// <summary>Moves to the result set of the next statement that returns rows; false when there is none.</summary>
    public async Task<bool> NextResultAsync(CancellationToken cancellationToken)
    {
        OnRow = false;
        _pendingRow = false;
        if (execution.Current is null) return false;
        if ((_behavior & (CommandBehavior.SingleResult | CommandBehavior.SingleRow)) != 0 && _returnedResult)
        {
            // The other statements still ran (they were sent with the first); their results are discarded.
            while (await execution.AdvanceAsync(cancellationToken).ConfigureAwait(false)) { }
            return false;
        }
        while (await execution.AdvanceAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await PositionAsync(cancellationToken).ConfigureAwait(false)) return true;
        }
        return false;
    }

    /// <summary>Reads ahead the first row of the current statement's result; true when it has columns (a result set).</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> PositionAsync(CancellationToken cancellationToken)
    {
        RowsRead = 0;
        _pendingRow = await execution.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (execution.Current!.FieldCount == 0) return false;
        _returnedResult = true;
        return true;
    }
}

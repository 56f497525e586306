using PgWire.Buffers;
using PgWire.Protocol;
using PgWire.Types;

namespace PgWire.Connection;

/// <summary>One connector shared by multiplexed callers: its output, its FIFO of requests in flight, its read loop.</summary>
/// <param name="connector">The connector, rented by the multiplexer for as long as the session has callers.</param>
/// <param name="release">Gives up one caller's hold (the multiplexer's; called for a caller that abandoned its request).</param>
/// <param name="observeDepth">Told how many requests are in flight after each is written (diagnostics).</param>
internal sealed class MultiplexSession(PgConnector connector, Func<MultiplexSession, ValueTask> release, Action<int> observeDepth)
{
    private readonly object _gate = new();
    private readonly Queue<MultiplexRequest> _inFlight = new();
    private bool _reading;
    private bool _flushing;
    private Task _readLoop = Task.CompletedTask;
    private Task _flushLoop = Task.CompletedTask;

    public PgConnector Connector { get; } = connector;

    /// <summary>Callers holding the session (kept by the multiplexer, under its lock).</summary>
    public int Users { get; set; }

    public bool IsDead { get; private set; }

    private Exception? _death;

    /// <summary>
    /// Writes a request for <paramref name="sql"/>: its execution when the session knows the statement, else the
    /// statement's Parse/Describe (the caller learns it and composes again). Starts the flush and read loops as needed.
    /// </summary>
    public (MultiplexRequest Request, string? StatementName) Compose(
        string sql, IReadOnlyList<object?> parameters, uint[] types, PgCodec?[] codecs, bool collectRows)
    {
        MultiplexRequest request;
        string? name = null;
        lock (_gate)
        {
            if (IsDead) throw new PgWireException($"The shared connection failed: {_death!.Message}", _death);
            var cache = Connector.Descriptions;
            var output = Connector.Output;
            var statement = cache.Use(sql, out var uses);
            cache.WritePendingCloses(output);
            var mark = output.WrittenCount;
            if (statement is not null && !statement.IsStale && statement.Matches(types) && !(statement.Name.Length == 0 && cache.ShouldPrepare(sql, uses)))
            {
                // Parameters the server types get their codec per statement: on a copy, as the caller may compose again.
                var bound = Array.IndexOf(codecs, ServerTypedCodec.Instance) < 0 ? codecs : (PgCodec?[])codecs.Clone();
                ParameterBinder.ResolveServerTyped(Connector.TypeRegistry, statement.ServerParameterTypes, parameters, bound);
                try
                {
                    StatementSender.WriteExecution(output, statement, sql, types, parameters, bound, flushAfterBind: false, sync: true);
                }
                catch
                {
                    output.Truncate(mark);
                    throw;
                }
                request = new MultiplexRequest(this, statement, statement.Row, collectRows, isDescribe: false);
            }
            else
            {
                name = cache.ShouldPrepare(sql, uses) ? cache.NextName() : "";
                StatementPreparer.WriteDescribe(output, new StatementPreparer.Request(sql, types, name));
                FrontendMessages.WriteSync(output);
                request = new MultiplexRequest(this, null, null, collectRows: false, isDescribe: true);
            }
            _inFlight.Enqueue(request);
            observeDepth(_inFlight.Count);
            // Both loops start with a yield, so they begin after this lock is released.
            if (!_flushing)
            {
                _flushing = true;
                _flushLoop = FlushLoopAsync();
            }
            if (!_reading)
            {
                _reading = true;
                _readLoop = ReadLoopAsync();
            }
        }
        return (request, name);
    }

    /// <summary>Records what a Describe request learnt (<see cref="StatementPreparer.Learn"/>).</summary>
    public void Learn(string sql, uint[] types, MultiplexRequest described, string name)
    {
        // Decoded again with the registry as it is now: the catalog may have been reloaded for this result's types.
        var statement = StatementPreparer.Learn(Connector.TypeRegistry, new StatementPreparer.Request(sql, types, name),
            described.ParameterTypes ?? [], described.Result.Description?.WithCurrentTypes(Connector.TypeRegistry));
        lock (_gate) Connector.Descriptions.Add(sql, statement);
    }

    /// <summary>After a stale statement: forget every statement of this session (closed with the next request).</summary>
    public void ForgetStatements()
    {
        lock (_gate) Connector.Descriptions.Clear();
    }

    /// <summary>Waits until the flush and read loops have stopped (before the connector goes back to the pool).</summary>
    public async Task QuiesceAsync()
    {
        Task flush, read;
        lock (_gate)
        {
            flush = _flushLoop;
            read = _readLoop;
        }
        await flush.ConfigureAwait(false);
        await read.ConfigureAwait(false);
    }

    private async Task FlushLoopAsync()
    {
        await Task.Yield();
        try
        {
            while (true)
            {
                lock (_gate)
                {
                    if (IsDead || Connector.Output.WrittenCount == 0)
                    {
                        _flushing = false;
                        return;
                    }
                    Connector.Writer.MoveToPipe();
                }
                await Connector.Writer.FlushPipeAsync().ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // Every request in flight gets the failure; the loop itself must not throw.
        catch (Exception e)
#pragma warning restore CA1031
        {
            lock (_gate) _flushing = false;
            Die(e);
        }
    }

    private async Task ReadLoopAsync()
    {
        await Task.Yield();
        while (true)
        {
            MultiplexRequest request;
            lock (_gate)
            {
                if (IsDead || _inFlight.Count == 0)
                {
                    _reading = false;
                    return;
                }
                request = _inFlight.Peek();
            }
            var handler = Connector.QueryHandler;
            try
            {
                handler.Reset(request.Statement, request.CollectRows, request.KnownRow, request.IsDescribe ? ResponseShape.DescribeOnly : ResponseShape.Execute);
                await Connector.ReceiveAsync(handler).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // The connection is gone: every request in flight gets the failure.
            catch (Exception e)
#pragma warning restore CA1031
            {
                var rows = handler.TakeRows();
                if (rows is not null) RowBufferPool.Return(rows);
                Die(e);
                return;
            }
            request.Capture(handler);
            // This response's ReadyForQuery, judged before the loop lets go: once _reading is false another loop may
            // start and read the next response (which a BEGIN behind this request would leave in a transaction).
            if (Connector.TransactionStatus != TransactionStatus.Idle)
            {
                // A multiplexed statement opened a transaction: the requests behind it would run inside it. The session
                // dies under the same lock that takes this request off the FIFO, so no request can be written (and no
                // other loop start) in between: those behind it fail as the connection's failure, this one as the cause.
                request.ReleaseRows();
                var error = new InvalidOperationException(
                    "A statement run with Multiplexing=true left a transaction open (BEGIN): multiplexed statements share connections, so each must run in its own implicit transaction. Use a PgWireConnection and BeginTransaction for transactions. The connection was closed; statements sent behind it on the same connection failed and were not committed.");
                MultiplexRequest[] behind;
                lock (_gate)
                {
                    _inFlight.Dequeue();
                    behind = MarkDead(error);
                }
                request.Fail(error);
                FailAll(behind);
                return;
            }
            bool more;
            lock (_gate)
            {
                _inFlight.Dequeue();
                more = _inFlight.Count > 0;
                if (!more) _reading = false;
            }
            request.Complete();
            if (!more) return;
        }
    }

    /// <summary>The connector failed: every request in flight fails with the same exception; the session is not used again.</summary>
    private void Die(Exception error)
    {
        MultiplexRequest[] failed;
        lock (_gate) failed = MarkDead(error);
        FailAll(failed);
    }

    /// <summary>Under <see cref="_gate"/>: marks the session dead (first cause wins) and takes the requests in flight.</summary>
    private MultiplexRequest[] MarkDead(Exception error)
    {
        if (!IsDead)
        {
            IsDead = true;
            _death = error as PgWireException ?? new PgWireException($"The shared connection failed: {error.Message}", error);
        }
        MultiplexRequest[] failed = [.. _inFlight];
        _inFlight.Clear();
        _reading = false;
        return failed;
    }

    /// <summary>Outside the lock: breaks the connector and fails <paramref name="failed"/> with the session's death.</summary>
    private void FailAll(MultiplexRequest[] failed)
    {
        Connector.Break(null);
        foreach (var request in failed) request.Fail(_death!);
    }

    internal ValueTask ReleaseAbandonedAsync() => release(this);
}

/// <summary>A request in a session's FIFO and, once answered, its outcome.</summary>
internal sealed class MultiplexRequest(
    MultiplexSession session, StatementDescription? statement, RowDescriptionInfo? knownRow, bool collectRows, bool isDescribe)
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // The request's state, changed once with Interlocked: waiting, then answered or abandoned by its caller.
    private const int Waiting = 0, Answered = 1, Abandoned = 2;
    private int _state = Waiting;

    public StatementDescription? Statement => statement;

    public RowDescriptionInfo? KnownRow => knownRow;

    public bool CollectRows => collectRows;

    public bool IsDescribe => isDescribe;

    public QueryResult Result { get; private set; }

    public uint[]? ParameterTypes { get; private set; }

    public Exception? Error { get; private set; }

    /// <summary>Why the caller stopped waiting (cancellation or Command Timeout).</summary>
    public Exception? Abandonment { get; private set; }

    /// <summary>Takes the handler's outcome (called by the read loop before the next request is read).</summary>
    public void Capture(QueryHandler handler)
    {
        ParameterTypes = handler.ParameterTypes;
        if (handler.Error is not null)
        {
            var rows = handler.TakeRows();
            if (rows is not null) RowBufferPool.Return(rows);
            Error = handler.Error;
            return;
        }
        Result = new QueryResult(handler.Description, handler.TakeRows(), handler.RowsAffected, handler.ModifiedRows);
    }

    public void Fail(Exception error)
    {
        Error = error;
        Complete();
    }

    /// <summary>Hands the outcome to the caller, or, when the caller gave up, drops it and releases the caller's hold.</summary>
    public void Complete()
    {
        if (Interlocked.CompareExchange(ref _state, Answered, Waiting) == Waiting)
        {
            _done.SetResult();
            return;
        }
        ReleaseRows();
        _ = session.ReleaseAbandonedAsync().AsTask();
    }

    public void ReleaseRows()
    {
        var rows = Result.Rows;
        Result = Result with { Rows = null };
        if (rows is not null) RowBufferPool.Return(rows);
    }

    /// <summary>Waits for the answer; false when the caller's token or the timeout ended the wait first (the request is then abandoned).</summary>
    public async ValueTask<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            if (timeout > TimeSpan.Zero) await _done.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            else await _done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException)
        {
            if (Interlocked.CompareExchange(ref _state, Abandoned, Waiting) != Waiting) return true; // answered meanwhile: use it
            Abandonment = e is TimeoutException
                ? new TimeoutException($"The command timed out after {timeout.TotalSeconds:0.###} s (Command Timeout); with Multiplexing the statement is not cancelled on the server, its answer is dropped.", e)
                : new OperationCanceledException("The query was cancelled at the caller's request; with Multiplexing the statement is not cancelled on the server, its answer is dropped.", e, cancellationToken);
            return false;
        }
    }
}

using PgWire.Connection;
using PgWire.Types;

namespace PgWire.Pooling;

/// <summary>
/// Multiplexing (connection string <c>Multiplexing=true</c>): the data source's buffered queries share connectors
/// instead of renting one each. A caller writes its request (a Sync-terminated group of messages) into a shared
/// connector's output while earlier requests are still in flight; writes made meanwhile go out with one flush; one read
/// loop per connector reads the answers and hands each to the request at the head of a FIFO, so answers pair with
/// requests in the order they were written. Reads never wait for the application: a result is read whole into pooled
/// buffers, as for <see cref="QueryRunner.ExecuteAsync"/>.
/// </summary>
/// <remarks>
/// Connectors are rented from the pool while they have callers and returned when the last one is done. A request runs
/// in its own implicit transaction; one that leaves a transaction open (BEGIN) breaks its connector (the requests
/// behind it fail, and nothing they did is committed), as session state must not leak between callers. Cancellation
/// and Command Timeout abandon the wait (the answer is read and dropped): a CancelRequest would hit whichever caller's
/// statement the server is running.
/// </remarks>
internal sealed class Multiplexer(IConnectorSource pool, int maxConnections, Func<CancellationToken, ValueTask> reloadCatalog)
{
    /// <summary>Requests waiting on one connector before another connector is taken from the pool.</summary>
    private const int RequestsPerConnector = 8;

    private readonly object _lock = new();
    private readonly List<MultiplexSession> _sessions = [];
    private int _opening; // callers getting a connector for a new session now
    // Completed (and replaced) whenever a caller's attempt at a new session ends: callers that found nothing to share wait on it.
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The most requests seen in flight at once on one connector; for tests and diagnostics.</summary>
    public int DeepestPipeline { get; set; }

    /// <summary>Sessions serving callers now; for tests and diagnostics.</summary>
    public int SessionCount
    {
        get
        {
            lock (_lock) return _sessions.Count;
        }
    }

    /// <summary>Callers with a request on a shared session now (queued, sent or awaiting the answer); for metrics.</summary>
    public int InFlight
    {
        get
        {
            var total = 0;
            lock (_lock)
                foreach (var session in _sessions) total += session.Users;
            return total;
        }
    }

    /// <summary>
    /// Runs one statement on a shared connector. Returns null when it cannot be multiplexed (a parameter names a type
    /// the catalog does not have yet): the caller runs it on a connector of its own, which reloads the catalog.
    /// </summary>
    public async ValueTask<QueryResult?> ExecuteAsync(
        string sql, IReadOnlyList<object?> parameters, bool collectRows, TimeSpan timeout, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var session = await AcquireAsync(cancellationToken).ConfigureAwait(false);
        var count = parameters.Count;
        var types = new uint[count];
        var codecs = new PgCodec?[count];
        if (ParameterBinder.Infer(session.Connector.TypeRegistry, parameters, types, codecs) >= 0)
        {
            await ReleaseAsync(session).ConfigureAwait(false);
            return null;
        }
        var release = true;
        try
        {
            var retriedStale = false;
            for (var attempt = 0; ; attempt++)
            {
                // Describe, perhaps describe again as a named statement, then run: a few steps at most.
                if (attempt > 5) throw new System.Diagnostics.UnreachableException($"BUG: a multiplexed statement was described {attempt} times without running.");
                var (request, statement) = session.Compose(sql, parameters, types, codecs, collectRows);
                if (!await request.WaitAsync(timeout, cancellationToken).ConfigureAwait(false))
                {
                    // Abandoned: the read loop drops the answer and releases the session for this caller.
                    release = false;
                    throw request.Abandonment!;
                }
                if (request.Error is not null)
                {
                    request.ReleaseRows();
                    if (request.Error is PgWireServerException stale && QueryRunner.IsStaleStatement(stale) && !retriedStale)
                    {
                        retriedStale = true;
                        session.ForgetStatements();
                        continue;
                    }
                    // A connection failure is one exception shared by every request in flight: each caller gets its own.
                    throw request.Error is PgWireServerException or InvalidOperationException
                        ? request.Error
                        : new PgWireException(request.Error.Message, request.Error);
                }
                if (request.IsDescribe)
                {
                    if (session.Connector.TypeRegistry.CatalogIsStale && request.Result.Description is not null)
                        await reloadCatalog(cancellationToken).ConfigureAwait(false);
                    session.Learn(sql, types, request, statement!);
                    continue;
                }
                return request.Result;
            }
        }
        finally
        {
            if (release) await ReleaseAsync(session).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The least busy session, or a new one when every session has enough callers. A new session's connector is taken
    /// only if the pool has one free now: when it has none (in use elsewhere, or on its way back from a session that just
    /// emptied) the caller shares the least busy session instead of queueing. Only when there is no session at all does
    /// one caller wait for the pool; callers arriving meanwhile wait for that session (and share its failure).
    /// </summary>
    private async ValueTask<MultiplexSession> AcquireAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            bool open, wait;
            lock (_lock)
            {
                var best = LeastBusy();
                if (best is not null && (best.Users < RequestsPerConnector || _sessions.Count >= maxConnections))
                {
                    best.Users++;
                    return best;
                }
                changed = _changed.Task;
                // Nothing to share and someone is already getting a connector: wait for that session.
                open = !(best is null && _opening > 0);
                if (open) _opening++;
                wait = open && best is null; // the first session waits for the pool; another only takes a free connector
            }
            if (!open)
            {
                try
                {
                    await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    throw new PgWireException(e.Message, e); // the awaited session's failure, as this caller's own
                }
                continue;
            }
            PgConnector? connector;
            try
            {
                connector = wait
                    ? await pool.RentAsync(cancellationToken).ConfigureAwait(false)
                    : await pool.TryRentAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // A wait for the pool that failed (Timeout) fails the callers waiting behind it; the opener's own
                // cancellation does not: they look again.
                EndOpening(wait && !(e is OperationCanceledException && cancellationToken.IsCancellationRequested) ? e : null, null);
                throw;
            }
            if (connector is null)
            {
                MultiplexSession? shared;
                lock (_lock)
                {
                    shared = LeastBusy();
                    if (shared is not null) shared.Users++;
                }
                EndOpening(null, null);
                if (shared is not null) return shared;
                continue;
            }
            var created = new MultiplexSession(connector, ReleaseAsync, depth => { if (depth > DeepestPipeline) DeepestPipeline = depth; });
            EndOpening(null, created);
            return created;
        }
    }

    /// <summary>
    /// A caller's attempt at a connector ended: <paramref name="created"/> joins the sessions with that caller on it, and
    /// callers waiting for a session look again (or, after a failed wait for the pool, fail with <paramref name="failure"/>).
    /// </summary>
    private void EndOpening(Exception? failure, MultiplexSession? created)
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            _opening--;
            if (created is not null)
            {
                _sessions.Add(created);
                created.Users++;
            }
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        if (failure is null)
        {
            changed.SetResult();
            return;
        }
        changed.SetException(failure);
        _ = changed.Task.Exception; // observed: nobody may have been waiting
    }

    /// <summary>Under <see cref="_lock"/>: the live session with the fewest callers.</summary>
    private MultiplexSession? LeastBusy()
    {
        MultiplexSession? best = null;
        foreach (var session in _sessions)
            if (!session.IsDead && (best is null || session.Users < best.Users)) best = session;
        return best;
    }

    /// <summary>One caller is done with a session; the last one gives the connector back to the pool.</summary>
    private async ValueTask ReleaseAsync(MultiplexSession session)
    {
        lock (_lock)
        {
            if (--session.Users > 0) return;
            _sessions.Remove(session);
        }
        await session.QuiesceAsync().ConfigureAwait(false);
        await pool.ReturnAsync(session.Connector).ConfigureAwait(false);
    }
}


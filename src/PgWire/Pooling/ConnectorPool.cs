using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.ObjectPool;
using Microsoft.Extensions.Logging;
using PgWire.Connection;
using PgWire.Diagnostics;
using PgWire.Protocol;

namespace PgWire.Pooling;

/// <summary>
/// A bounded pool of connectors. Idle connectors wait in a <see cref="DefaultObjectPool{T}"/>, which neither limits
/// nor waits; the bound (Maximum Pool Size) and the asynchronous wait (Timeout) are a semaphore of rental slots.
/// A connector is handed out only when idle, unbroken, outside a transaction and within its lifetime.
/// </summary>
internal sealed class ConnectorPool : IConnectorSource, IAsyncDisposable, IPoolGauges
{
    private readonly PoolOptions _options;
    private readonly Func<CancellationToken, Task<PgConnector>> _open;
    private readonly SemaphoreSlim _slots;
    private readonly ObjectPool<PgConnector> _idle;
    private readonly Timer? _pruner;
    private int _total;
    private int _inUse;
    private int _pending;
    private volatile bool _disposed;

    public ConnectorPool(PoolOptions options, Func<CancellationToken, Task<PgConnector>> open)
    {
        if (options.MaxPoolSize < 1) throw new ArgumentException("Maximum Pool Size must be at least 1.");
        if (options.MinPoolSize > options.MaxPoolSize)
            throw new ArgumentException($"Minimum Pool Size ({options.MinPoolSize}) cannot exceed Maximum Pool Size ({options.MaxPoolSize}).");
        _options = options;
        _open = open;
        _slots = new SemaphoreSlim(options.MaxPoolSize, options.MaxPoolSize);
        // Room for every connector twice over, so a Return is never dropped (and its socket leaked) for lack of space.
        _idle = new DefaultObjectPool<PgConnector>(new IdlePolicy(), options.MaxPoolSize * 2);
        if (options.Pooling && options.PruningInterval > TimeSpan.Zero)
            _pruner = new Timer(static s => ((ConnectorPool)s!).Prune(), this, options.PruningInterval, options.PruningInterval);
        PoolRegistry.Add(this, options.Telemetry);
    }

    private DataSourceTelemetry Telemetry => _options.Telemetry;

    /// <summary>Physical connections open now (idle and in use).</summary>
    public int TotalCount => Volatile.Read(ref _total);

    /// <summary>Connections rented out now.</summary>
    public int InUseCount => Volatile.Read(ref _inUse);

    int IPoolGauges.Idle => Math.Max(0, TotalCount - InUseCount);
    int IPoolGauges.Used => InUseCount;
    int IPoolGauges.Max => _options.MaxPoolSize;
    int IPoolGauges.Min => _options.MinPoolSize;
    int IPoolGauges.Pending => Volatile.Read(ref _pending);
    int IPoolGauges.MultiplexQueue => MultiplexInFlight?.Invoke() ?? 0;

    /// <summary>Multiplexed requests in flight on shared connectors (set by the data source when it multiplexes).</summary>
    internal Func<int>? MultiplexInFlight { get; set; }

    /// <summary>Waits for a rental slot, then hands out an idle connector or opens a new one.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<PgConnector> RentAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        var waitStarted = Instruments.WaitTime.Enabled ? Stopwatch.GetTimestamp() : 0;
        if (!_slots.Wait(0)) await WaitForSlotAsync(cancellationToken).ConfigureAwait(false);
        return (await TakeSlotAsync(openNew: true, waitStarted, cancellationToken).ConfigureAwait(false))!;
    }

    ValueTask<PgConnector?> IConnectorSource.TryRentAsync(CancellationToken cancellationToken) => TryRentAsync(openNew: true, cancellationToken);

    /// <summary>
    /// Hands out a connector only if that needs no wait: null when every slot is taken, or (without
    /// <paramref name="openNew"/>) when no idle connector is there. For choosing among several hosts' pools.
    /// </summary>
    public async ValueTask<PgConnector?> TryRentAsync(bool openNew, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_slots.Wait(0)) return null;
        return await TakeSlotAsync(openNew, Instruments.WaitTime.Enabled ? Stopwatch.GetTimestamp() : 0, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>With a slot taken: an idle connector, else (when allowed) a new one; the slot goes back when there is none.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<PgConnector?> TakeSlotAsync(bool openNew, long waitStarted, CancellationToken cancellationToken)
    {
        PgConnector? connector;
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            connector = await TakeOrOpenAsync(openNew, cancellationToken).ConfigureAwait(false);
            if (connector is null)
            {
                _slots.Release();
                return null;
            }
            Interlocked.Increment(ref _inUse);
        }
        catch
        {
            _slots.Release();
            throw;
        }
        if (waitStarted != 0) Instruments.WaitTime.Record(Stopwatch.GetElapsedTime(waitStarted).TotalSeconds, Telemetry.PoolTags(null));
        connector.RentedAt = Instruments.UseTime.Enabled ? Stopwatch.GetTimestamp() : 0;
        if (connector.TypeRegistry.CatalogIsStale)
        {
            // A query met a type the catalog did not know (CREATE TYPE, CREATE EXTENSION since it was loaded): it is
            // reloaded before this rental's first query, so the type is known from here on.
            try
            {
                await TypeCatalogLoader.RefreshAsync(connector, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await ReturnAsync(connector).ConfigureAwait(false);
                throw;
            }
        }
        return connector;
    }

    /// <summary>Every slot is taken: waits (counted as a pending request) for one until Timeout.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))] // the contended path: no box per wait
    private async ValueTask WaitForSlotAsync(CancellationToken cancellationToken)
    {
        var log = Telemetry.PoolLog;
        if (log.IsEnabled(LogLevel.Debug)) Log.PoolExhausted(log, Telemetry.PoolName, InUseCount, _options.MaxPoolSize, _options.WaitTimeout.TotalSeconds);
        Interlocked.Increment(ref _pending);
        bool got;
        try
        {
            got = await _slots.WaitAsync(_options.WaitTimeout, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _pending);
        }
        if (got) return;
        if (Instruments.Timeouts.Enabled) Instruments.Timeouts.Add(1, Telemetry.PoolTags(null));
        Log.PoolTimedOut(log, Telemetry.PoolName, _options.WaitTimeout.TotalSeconds, InUseCount, _options.MaxPoolSize);
        throw new PgWireException(
            $"The connection pool is exhausted: Maximum Pool Size is {_options.MaxPoolSize} and {InUseCount} connections are in use; " +
            $"none was freed within {_options.WaitTimeout.TotalSeconds:0.###} s (Timeout). Dispose row sets and connections promptly, or raise Maximum Pool Size.",
            new TimeoutException());
    }

    private async ValueTask<PgConnector?> TakeOrOpenAsync(bool openNew, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_options.Pooling)
            {
                var idle = _idle.Get();
                if (idle is not null)
                {
                    // A session the server ended while it sat idle (terminated, restarted) is found here, before
                    // anything of the caller's is sent on it, and the next one is tried: no caller sees its error.
                    if (IsReusable(idle) && await IdleCheck.IsAliveAsync(idle).ConfigureAwait(false)) return idle;
                    await DestroyAsync(idle).ConfigureAwait(false);
                    continue;
                }
            }

            if (!openNew) return null;
            if (Interlocked.Increment(ref _total) <= _options.MaxPoolSize)
            {
                try
                {
                    return await _open(cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    Interlocked.Decrement(ref _total);
                    throw;
                }
            }

            // Every connection exists but some are briefly out of the idle store (pruning): try again shortly.
            Interlocked.Decrement(ref _total);
            await Task.Delay(1, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Takes a connector back. A broken or expired one is closed; one left inside a transaction is rolled back first
    /// (and closed if that fails); a healthy one goes to the idle store.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask ReturnAsync(PgConnector connector)
    {
        if (connector.RentedAt != 0)
        {
            Instruments.UseTime.Record(Stopwatch.GetElapsedTime(connector.RentedAt).TotalSeconds, Telemetry.PoolTags(null));
            connector.RentedAt = 0;
        }
        try
        {
            // Every request ends the same way, whatever path ran it; this is the last chance before another caller
            // gets the session (a no-op when nothing was cancelled).
            await connector.EndRequestAsync().ConfigureAwait(false);
            if (!connector.IsBroken && connector.TransactionStatus != TransactionStatus.Idle && _options.Pooling && !_disposed)
            {
                try
                {
                    await TransactionControl.RollbackAsync(connector, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception e) when (e is PgWireException or TimeoutException)
                {
                    connector.Break(null);
                }
            }

            // A session that LISTENed would hand its channels to the next caller: UNLISTEN * first (as DISCARD ALL would).
            if (!connector.IsBroken && connector.Session.Listening && _options.Pooling && !_disposed)
            {
                try
                {
                    using var timeout = new CancellationTokenSource(connector.Options.CancellationGrace);
                    if (await SimpleQuery.RunAsync(connector, "UNLISTEN *", timeout.Token).ConfigureAwait(false) is { } rows) Buffers.RowBufferPool.Return(rows);
                    connector.Session.Listening = false;
                }
                catch (Exception e) when (e is PgWireException or OperationCanceledException)
                {
                    connector.Break(null);
                }
            }

            if (!_options.Pooling || _disposed || !IsReusable(connector))
            {
                await DestroyAsync(connector).ConfigureAwait(false);
            }
            else
            {
                connector.LastReturnedAt = Stopwatch.GetTimestamp();
                _idle.Return(connector);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _inUse);
            _slots.Release();
        }
    }

    private bool IsReusable(PgConnector connector) =>
        !connector.IsBroken
        && connector.TransactionStatus == TransactionStatus.Idle
        && (_options.ConnectionLifetime <= TimeSpan.Zero || Stopwatch.GetElapsedTime(connector.CreatedAt) < _options.ConnectionLifetime);

    private async ValueTask DestroyAsync(PgConnector connector)
    {
        Interlocked.Decrement(ref _total);
        try
        {
            await connector.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or PgWireException)
        {
            // The socket is gone either way.
        }
    }

    /// <summary>Closes idle connectors past their idle or total lifetime, keeping at least Minimum Pool Size open.</summary>
    internal void Prune()
    {
        if (_disposed) return;
        var keep = new List<PgConnector>();
        var drop = new List<PgConnector>();
        while (_idle.Get() is { } connector)
        {
            var idleTooLong = Stopwatch.GetElapsedTime(connector.LastReturnedAt) >= _options.IdleLifetime;
            var remaining = TotalCount - drop.Count;
            if (!IsReusable(connector) || (idleTooLong && remaining > _options.MinPoolSize)) drop.Add(connector);
            else keep.Add(connector);
        }
        foreach (var connector in keep) _idle.Return(connector);
        foreach (var connector in drop) _ = DestroyAsync(connector).AsTask();
        if (drop.Count > 0 && Telemetry.PoolLog.IsEnabled(LogLevel.Debug)) Log.PoolPruned(Telemetry.PoolLog, Telemetry.PoolName, drop.Count, TotalCount);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        PoolRegistry.Remove(this);
        if (_pruner is not null) await _pruner.DisposeAsync().ConfigureAwait(false);
        while (_idle.Get() is { } connector) await DestroyAsync(connector).ConfigureAwait(false);
    }

    /// <summary>The idle store never creates: an empty store answers null and the pool opens a connector itself.</summary>
    private sealed class IdlePolicy : IPooledObjectPolicy<PgConnector>
    {
        public PgConnector Create() => null!;

        // The pool checks health before returning; refusing here would drop a connector without closing it.
        public bool Return(PgConnector obj) => true;
    }
}

using System.Diagnostics.Metrics;

namespace PgWire.Diagnostics;

/// <summary>What an observable pool instrument reads.</summary>
internal enum PoolMeasure
{
    Count,
    IdleMax,
    IdleMin,
    Max,
    Pending,
    MultiplexQueue,
}

/// <summary>A pool's numbers, read when a metrics listener collects (never on a query's path).</summary>
internal interface IPoolGauges
{
    /// <summary>Connections open and idle.</summary>
    int Idle { get; }

    /// <summary>Connections handed out.</summary>
    int Used { get; }

    /// <summary>Maximum Pool Size.</summary>
    int Max { get; }

    /// <summary>Minimum Pool Size (the idle connections pruning keeps).</summary>
    int Min { get; }

    /// <summary>Callers waiting for a connection now.</summary>
    int Pending { get; }

    /// <summary>Multiplexed requests queued and not yet written (0 without Multiplexing).</summary>
    int MultiplexQueue { get; }
}

/// <summary>
/// The pools of every live data source, for the observable instruments of <see cref="Instruments"/>: a data source
/// registers when built and leaves when disposed.
/// </summary>
internal static class PoolRegistry
{
    private static readonly Lock s_lock = new();
    private static (IPoolGauges Pool, DataSourceTelemetry Telemetry)[] s_pools = [];

    public static void Add(IPoolGauges pool, DataSourceTelemetry telemetry)
    {
        Instruments.EnsureCreated();
        lock (s_lock) s_pools = [.. s_pools, (pool, telemetry)];
    }

    public static void Remove(IPoolGauges pool)
    {
        lock (s_lock) s_pools = Array.FindAll(s_pools, p => !ReferenceEquals(p.Pool, pool));
    }

    public static IEnumerable<Measurement<int>> Measure(PoolMeasure what)
    {
        var pools = Volatile.Read(ref s_pools);
        var measurements = new List<Measurement<int>>(pools.Length * 2);
        foreach (var (pool, telemetry) in pools)
        {
            switch (what)
            {
                case PoolMeasure.Count:
                    measurements.Add(new(pool.Idle, telemetry.PoolTags("idle")));
                    measurements.Add(new(pool.Used, telemetry.PoolTags("used")));
                    break;
                case PoolMeasure.IdleMax:
                    measurements.Add(new(pool.Max, telemetry.PoolTags(null)));
                    break;
                case PoolMeasure.IdleMin:
                    measurements.Add(new(pool.Min, telemetry.PoolTags(null)));
                    break;
                case PoolMeasure.Max:
                    measurements.Add(new(pool.Max, telemetry.PoolTags(null)));
                    break;
                case PoolMeasure.Pending:
                    measurements.Add(new(pool.Pending, telemetry.PoolTags(null)));
                    break;
                case PoolMeasure.MultiplexQueue:
                    measurements.Add(new(pool.MultiplexQueue, telemetry.PoolTags(null)));
                    break;
            }
        }
        return measurements;
    }
}

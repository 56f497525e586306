using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace PgWire.Diagnostics;

/// <summary>
/// PgWire's one <see cref="ActivitySource"/> and one <see cref="Meter"/> (both named <c>PgWire</c>), with the
/// instruments of OpenTelemetry's database-client conventions and PgWire's own. Every instrument is checked for a
/// listener (<see cref="Instrument.Enabled"/>, <see cref="ActivitySource.HasListeners"/>) before anything is measured,
/// so nothing is timed, tagged or allocated for them when nobody listens.
/// </summary>
internal static class Instruments
{
    public const string Name = "PgWire";

    private static readonly string? s_version = typeof(Instruments).Assembly.GetName().Version?.ToString(3);

    public static readonly ActivitySource Source = new(Name, s_version);

    public static readonly Meter Meter = new(Name, s_version);

    private static readonly double[] s_durationBuckets = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];

    private static readonly long[] s_rowBuckets = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];

    // Stable: db.client.operation.duration.
    public static readonly Histogram<double> OperationDuration = Meter.CreateHistogram<double>(
        "db.client.operation.duration", "s", "Duration of database client operations.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_durationBuckets });

    public static readonly Histogram<long> ReturnedRows = Meter.CreateHistogram<long>(
        "db.client.response.returned_rows", "{row}", "The rows an operation returned.",
        advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = s_rowBuckets });

    // The connection pool's conventions (db.client.connection.*).
    public static readonly Histogram<double> CreateTime = Meter.CreateHistogram<double>(
        "db.client.connection.create_time", "s", "The time it took to create a new connection.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_durationBuckets });

    public static readonly Histogram<double> WaitTime = Meter.CreateHistogram<double>(
        "db.client.connection.wait_time", "s", "The time it took to obtain an open connection from the pool.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_durationBuckets });

    public static readonly Histogram<double> UseTime = Meter.CreateHistogram<double>(
        "db.client.connection.use_time", "s", "The time between borrowing a connection and returning it to the pool.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_durationBuckets });

    public static readonly Counter<long> Timeouts = Meter.CreateCounter<long>(
        "db.client.connection.timeouts", "{timeout}", "The number of connection timeouts that have occurred trying to obtain a connection from the pool.");

    // PgWire's own.
    public static readonly Counter<long> BytesReceived = Meter.CreateCounter<long>(
        "pgwire.client.bytes_received", "By", "Bytes received from the server.");

    public static readonly Counter<long> StatementCacheHits = Meter.CreateCounter<long>(
        "pgwire.client.statement_cache.hits", "{statement}", "Statements run from the connection's statement cache (already prepared on the server).");

    public static readonly Counter<long> StatementCacheMisses = Meter.CreateCounter<long>(
        "pgwire.client.statement_cache.misses", "{statement}", "Statements not found in the connection's statement cache (parsed by the server again).");

    static Instruments()
    {
        Meter.CreateObservableUpDownCounter("db.client.connection.count", static () => PoolRegistry.Measure(PoolMeasure.Count),
            "{connection}", "The number of connections that are currently in the state described by the state attribute.");
        Meter.CreateObservableUpDownCounter("db.client.connection.idle.max", static () => PoolRegistry.Measure(PoolMeasure.IdleMax),
            "{connection}", "The maximum number of idle open connections allowed.");
        Meter.CreateObservableUpDownCounter("db.client.connection.idle.min", static () => PoolRegistry.Measure(PoolMeasure.IdleMin),
            "{connection}", "The minimum number of idle open connections allowed.");
        Meter.CreateObservableUpDownCounter("db.client.connection.max", static () => PoolRegistry.Measure(PoolMeasure.Max),
            "{connection}", "The maximum number of open connections allowed.");
        Meter.CreateObservableUpDownCounter("db.client.connection.pending_requests", static () => PoolRegistry.Measure(PoolMeasure.Pending),
            "{request}", "The number of current pending requests for an open connection.");
        Meter.CreateObservableUpDownCounter("pgwire.client.multiplexing.queue_depth", static () => PoolRegistry.Measure(PoolMeasure.MultiplexQueue),
            "{request}", "Multiplexed requests waiting to be written to a connection.");
    }

    /// <summary>Makes sure the observable instruments exist (they are created with the first use of this class).</summary>
    public static void EnsureCreated() { }
}

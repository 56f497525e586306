using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using PgWire.Tests.Server;
using Xunit;

namespace PgWire.Tests.Observability;

/// <summary>Records every measurement of PgWire's meter, with its tags, for assertions.</summary>
public sealed class MeasurementCollector : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)> _measurements = new();

    public MeasurementCollector()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == PgWireInstrumentation.MeterName) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<double>((i, v, t, _) => Add(i, v, t));
        _listener.SetMeasurementEventCallback<long>((i, v, t, _) => Add(i, v, t));
        _listener.SetMeasurementEventCallback<int>((i, v, t, _) => Add(i, v, t));
        _listener.Start();
    }

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var map = new Dictionary<string, object?>();
        foreach (var tag in tags) map[tag.Key] = tag.Value;
        _measurements.Enqueue((instrument.Name, value, map));
    }

    /// <summary>Reads the observable instruments now.</summary>
    public void Collect() => _listener.RecordObservableInstruments();

    public IEnumerable<(double Value, Dictionary<string, object?> Tags)> Of(string instrument, string tag, object? value) =>
        _measurements.Where(m => m.Instrument == instrument && m.Tags.TryGetValue(tag, out var v) && Equals(v, value)).Select(m => (m.Value, m.Tags));

    public void Dispose() => _listener.Dispose();
}

[Collection(ServerCollection.Name)]
public class MetricsTests(ServerFixture fixture)
{
    [Fact]
    public async Task Operation_duration_and_returned_rows_carry_the_database_attributes()
    {
        using var metrics = new MeasurementCollector();
        await using var dataSource = fixture.CreateDataSource();
        await dataSource.ExecuteAsync("DROP TABLE IF EXISTS metered_table; CREATE TABLE metered_table AS SELECT generate_series(1, 4) AS id");
        using (await dataSource.QueryAsync("SELECT id FROM metered_table")) { }
        await Assert.ThrowsAsync<PgWireServerException>(async () => await dataSource.ExecuteAsync("SELECT * FROM metered_missing_table"));

        var duration = Assert.Single(metrics.Of("db.client.operation.duration", "db.query.summary", "SELECT metered_table"));
        Assert.True(duration.Value > 0);
        Assert.Equal("postgresql", duration.Tags["db.system.name"]);
        Assert.Equal("postgres", duration.Tags["db.namespace"]);
        Assert.Equal("SELECT", duration.Tags["db.operation.name"]);
        Assert.Equal(fixture.Server.Host, duration.Tags["server.address"]);
        Assert.Equal(fixture.Server.Port, duration.Tags["server.port"]);
        Assert.False(duration.Tags.ContainsKey("error.type"));
        Assert.Equal(4, Assert.Single(metrics.Of("db.client.response.returned_rows", "db.query.summary", "SELECT metered_table")).Value);
        var failed = Assert.Single(metrics.Of("db.client.operation.duration", "db.query.summary", "SELECT metered_missing_table"));
        Assert.Equal("42P01", failed.Tags["error.type"]);
        Assert.Equal("42P01", failed.Tags["db.response.status_code"]);
    }

    [Fact]
    public async Task The_pool_reports_its_connections_bounds_and_times_under_its_name()
    {
        using var metrics = new MeasurementCollector();
        var builder = fixture.CreateDataSourceBuilder("Maximum Pool Size=3;Minimum Pool Size=1");
        builder.Name = "metered-pool";
        await using var dataSource = builder.Build();
        await using (var held = await dataSource.OpenConnectionAsync())
        {
            using (await dataSource.QueryAsync("SELECT 1")) { }
            metrics.Collect();
            var counts = metrics.Of("db.client.connection.count", "db.client.connection.pool.name", "metered-pool").ToList();
            Assert.Equal(1, Assert.Single(counts, c => (string?)c.Tags["db.client.connection.state"] == "used").Value);
            Assert.Equal(1, Assert.Single(counts, c => (string?)c.Tags["db.client.connection.state"] == "idle").Value);
        }
        Assert.Equal(3, Assert.Single(metrics.Of("db.client.connection.max", "db.client.connection.pool.name", "metered-pool")).Value);
        Assert.Equal(1, Assert.Single(metrics.Of("db.client.connection.idle.min", "db.client.connection.pool.name", "metered-pool")).Value);
        Assert.Equal(0, Assert.Single(metrics.Of("db.client.connection.pending_requests", "db.client.connection.pool.name", "metered-pool")).Value);
        Assert.Equal(2, metrics.Of("db.client.connection.create_time", "db.client.connection.pool.name", "metered-pool").Count());
        Assert.Equal(2, metrics.Of("db.client.connection.wait_time", "db.client.connection.pool.name", "metered-pool").Count());
        Assert.Equal(2, metrics.Of("db.client.connection.use_time", "db.client.connection.pool.name", "metered-pool").Count());
        Assert.Contains(metrics.Of("pgwire.client.bytes_received", "db.client.connection.pool.name", "metered-pool"), m => m.Value > 0);

        // Disposed: the pool leaves the observable instruments.
        await dataSource.DisposeAsync();
        metrics.Collect();
        Assert.Single(metrics.Of("db.client.connection.max", "db.client.connection.pool.name", "metered-pool"));
    }

    [Fact]
    public async Task Waiting_callers_and_pool_timeouts_are_counted()
    {
        using var metrics = new MeasurementCollector();
        var builder = fixture.CreateDataSourceBuilder("Maximum Pool Size=1;Timeout=2");
        builder.Name = "metered-exhausted-pool";
        await using var dataSource = builder.Build();
        await using var held = await dataSource.OpenConnectionAsync();
        var waiting = dataSource.ExecuteAsync("SELECT 1").AsTask();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            metrics.Collect();
            if (metrics.Of("db.client.connection.pending_requests", "db.client.connection.pool.name", "metered-exhausted-pool").Any(m => m.Value == 1)) break;
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), "the waiting caller was never counted as pending");
            await Task.Delay(20);
        }
        await Assert.ThrowsAsync<PgWireException>(() => waiting);
        Assert.Equal(1, Assert.Single(metrics.Of("db.client.connection.timeouts", "db.client.connection.pool.name", "metered-exhausted-pool")).Value);
    }

    [Fact]
    public async Task Statement_cache_hits_and_misses_are_counted()
    {
        using var metrics = new MeasurementCollector();
        var builder = fixture.CreateDataSourceBuilder("Maximum Pool Size=1;Auto Prepare Min Usages=2");
        builder.Name = "metered-cache";
        await using var dataSource = builder.Build();
        for (var i = 0; i < 4; i++)
            using (await dataSource.QueryAsync("SELECT $1::int AS metered_cache", i)) { }
        var hits = metrics.Of("pgwire.client.statement_cache.hits", "db.client.connection.pool.name", "metered-cache").Sum(m => m.Value);
        var misses = metrics.Of("pgwire.client.statement_cache.misses", "db.client.connection.pool.name", "metered-cache").Sum(m => m.Value);
        // Run 1 unnamed, run 2 prepared (parsed), runs 3 and 4 from the cache; the catalog queries of the first open add misses.
        Assert.Equal(2, hits);
        Assert.True(misses >= 2);
    }
}

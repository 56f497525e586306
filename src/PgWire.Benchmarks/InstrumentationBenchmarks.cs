using System.Diagnostics;
using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace PgWire.Benchmarks;

/// <summary>
/// What logging, tracing and metrics cost on the point query, for both drivers: nobody listening, a span per query
/// (sampled and recorded, then dropped), every instrument listened to (measurements dropped), command events at Debug
/// (a logger that takes every event and drops it: the driver's cost, not a sink's), and all three at once.
/// </summary>
public class InstrumentationBenchmarks
{
    private const string Sql = "SELECT id, name FROM bench_users WHERE id = $1";
    private int _next;
    private NpgsqlDataSource _npgsql = null!;
    private PgWireDataSource _pgWire = null!;
    private ActivityListener? _spans;
    private MeterListener? _meters;

    [Params("none", "traces", "metrics", "logs", "all")]
    public string Listening { get; set; } = "none";

    [GlobalSetup]
    public void Setup()
    {
        BenchmarkServer.EnsureStartedAsync().GetAwaiter().GetResult();
        var logs = Listening is "logs" or "all" ? new DroppingLoggerFactory() : null;
        var npgsql = new NpgsqlDataSourceBuilder(BenchmarkServer.Npgsql(Tuning.Npgsql));
        if (logs is not null) npgsql.UseLoggerFactory(logs);
        _npgsql = npgsql.Build();
        _pgWire = new PgWireDataSourceBuilder(BenchmarkServer.ConnectionString).UseLoggerFactory(logs).Build();
        if (Listening is "traces" or "all")
        {
            _spans = new ActivityListener
            {
                ShouldListenTo = s => s.Name is "PgWire" or "Npgsql",
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            };
            ActivitySource.AddActivityListener(_spans);
        }
        if (Listening is "metrics" or "all")
        {
            _meters = new MeterListener
            {
                InstrumentPublished = (instrument, listener) =>
                {
                    if (instrument.Meter.Name is "PgWire" or "Npgsql") listener.EnableMeasurementEvents(instrument);
                },
            };
            _meters.SetMeasurementEventCallback<double>(static (_, _, _, _) => { });
            _meters.SetMeasurementEventCallback<long>(static (_, _, _, _) => { });
            _meters.SetMeasurementEventCallback<int>(static (_, _, _, _) => { });
            _meters.Start();
        }
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        _spans?.Dispose();
        _meters?.Dispose();
        await _npgsql.DisposeAsync();
        await _pgWire.DisposeAsync();
    }

    private int NextId() => _next = _next % BenchmarkServer.UserCount + 1;

    [Benchmark(Baseline = true)]
    public async Task<string> NpgsqlTuned()
    {
        await using var command = _npgsql.CreateCommand(Sql);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = NextId() });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return reader.GetString(1);
    }

    [Benchmark]
    public async Task<string> PgWire()
    {
        using var rows = await _pgWire.QueryAsync(Sql, NextId());
        return rows[0].Get<string>(1);
    }

    [Benchmark]
    public async Task<string> PgWireAdoNet()
    {
        await using var command = _pgWire.CreateCommand("SELECT id, name FROM bench_users WHERE id = @id");
        command.Parameters.Add(new PgWireParameter("id", NextId()));
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return reader.GetString(1);
    }

    /// <summary>Takes every event at every level and drops it.</summary>
    private sealed class DroppingLoggerFactory : ILoggerFactory, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;
        public void AddProvider(ILoggerProvider provider) { }
        public void Dispose() { }
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) { }
    }
}

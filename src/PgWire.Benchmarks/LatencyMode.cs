using System.Buffers;
using System.Diagnostics;
using Npgsql;
using PgWire.Testing;

namespace PgWire.Benchmarks;

/// <summary>
/// The design's case where it matters: a database on another host. A loopback proxy (<see cref="PgFaultProxy"/> with
/// a <see cref="FaultPlan.Latency"/>) adds a fixed one-way delay; the real round trip of a <c>SELECT 1</c> through it
/// is measured and printed. 64 callers share a pool of 8 connections, for (a) the point query by primary key and
/// (b) 100 rows x 9 columns to JSON: tuned Npgsql, PgWire pooled, PgWire multiplexed; throughput, p50 and p99 per
/// one-way delay. Run with <c>-- --latency [seconds per cell=5] [delays in ms=0,0.25,1,2]</c>.
/// </summary>
public static class LatencyMode
{
    private const int Callers = 64;
    private const int PoolSize = 8;
    private const string PointSql = "SELECT id, name FROM bench_users WHERE id = $1";

    private sealed record Driver(string Name, Func<string, object> Create, Func<object, int, ArrayBufferWriter<byte>, Task>? Point, Func<object, int, ArrayBufferWriter<byte>, Task> Json);

    private static readonly Driver[] s_drivers =
    [
        new("NpgsqlTuned", cs => NpgsqlDataSource.Create(cs + ";" + Tuning.Npgsql + $";Maximum Pool Size={PoolSize}"),
            async (source, id, unused) =>
            {
                await using var command = ((NpgsqlDataSource)source).CreateCommand(PointSql);
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = id % BenchmarkServer.UserCount + 1 });
                await using var reader = await command.ExecuteReaderAsync();
                await reader.ReadAsync();
                _ = reader.GetString(1);
            },
            (source, seed, buffer) => RowsToJson.NpgsqlAsync((NpgsqlDataSource)source, seed % 49_000, buffer)),
        new("NpgsqlTuned objects", cs => NpgsqlDataSource.Create(cs + ";" + Tuning.Npgsql + $";Maximum Pool Size={PoolSize}"), null,
            (source, seed, buffer) => RowsToJson.NpgsqlObjectsAsync((NpgsqlDataSource)source, seed % 49_000, buffer)),
        new("PgWire pooled", cs => PgWireDataSource.Create(cs + $";Maximum Pool Size={PoolSize}"), PgWirePointAsync,
            (source, seed, buffer) => RowsToJson.PgWireAsync((PgWireDataSource)source, seed % 49_000, buffer)),
        new("PgWire pooled WriteJson", cs => PgWireDataSource.Create(cs + $";Maximum Pool Size={PoolSize}"), null,
            (source, seed, buffer) => RowsToJson.PgWireWriteJsonAsync((PgWireDataSource)source, seed % 49_000, buffer)),
        new("PgWire multiplexed", cs => PgWireDataSource.Create(cs + $";Maximum Pool Size={PoolSize};Multiplexing=true"), PgWirePointAsync,
            (source, seed, buffer) => RowsToJson.PgWireAsync((PgWireDataSource)source, seed % 49_000, buffer)),
        new("PgWire mux WriteJson", cs => PgWireDataSource.Create(cs + $";Maximum Pool Size={PoolSize};Multiplexing=true"), null,
            (source, seed, buffer) => RowsToJson.PgWireWriteJsonAsync((PgWireDataSource)source, seed % 49_000, buffer)),
    ];

    private static async Task PgWirePointAsync(object source, int id, ArrayBufferWriter<byte> unused)
    {
        using var rows = await ((PgWireDataSource)source).QueryAsync(PointSql, id % BenchmarkServer.UserCount + 1);
        _ = rows[0].Get<string>(1);
    }

    public static async Task RunAsync(double seconds, double[] delaysMs)
    {
        var server = new PgWireConnectionStringBuilder(BenchmarkServer.ConnectionString);
        await using var proxy = PgFaultProxy.Start(server.Host == "localhost" ? "127.0.0.1" : server.Host, server.Port);
        Console.WriteLine($"{Callers} callers, pool of {PoolSize}, {seconds:0.#} s per cell after a warm-up; q/s and latency per operation");
        Console.WriteLine($"{"one-way",8} {"RTT ms",7} {"workload",-14} {"driver",-23} {"q/s",9} {"p50 ms",7} {"p99 ms",7} {"vs Npgsql",9} {"of 64/RTT",9} {"of 8/RTT",8}");
        foreach (var delay in delaysMs)
        {
            proxy.Plan = delay > 0 ? new FaultPlan { Latency = TimeSpan.FromMilliseconds(delay) } : null;
            var through = proxy.Through(BenchmarkServer.ConnectionString);
            var rtt = await RoundTripAsync(through);
            foreach (var (workload, pick) in new (string, Func<Driver, Func<object, int, ArrayBufferWriter<byte>, Task>?>)[] { ("point query", d => d.Point), ("100 rows JSON", d => d.Json) })
            {
                double? reference = null;
                foreach (var driver in s_drivers)
                {
                    if (pick(driver) is not { } operation) continue;
                    var source = driver.Create(through);
                    try
                    {
                        await MeasureAsync(source, operation, TimeSpan.FromSeconds(Math.Min(1, seconds / 4)));
                        var (rate, p50, p99) = await MeasureAsync(source, operation, TimeSpan.FromSeconds(seconds));
                        reference ??= rate;
                        Console.WriteLine($"{delay,8:0.##} {rtt,7:F2} {workload,-14} {driver.Name,-23} {rate,9:N0} {p50,7:F2} {p99,7:F2} {rate / reference,9:F2} " +
                            $"{rate / (Callers / (rtt / 1000)),9:P0} {rate / (PoolSize / (rtt / 1000)),8:P0}");
                    }
                    finally
                    {
                        await ((IAsyncDisposable)source).DisposeAsync();
                    }
                }
            }
        }
    }

    /// <summary>The median time of a <c>SELECT 1</c> on one connection through the proxy: the real round trip.</summary>
    private static async Task<double> RoundTripAsync(string connectionString)
    {
        await using var source = PgWireDataSource.Create(connectionString + ";Maximum Pool Size=1");
        await using var connection = await source.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1";
        for (var i = 0; i < 20; i++) await command.ExecuteScalarAsync();
        var times = new double[200];
        for (var i = 0; i < times.Length; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await command.ExecuteScalarAsync();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(times);
        return times[times.Length / 2];
    }

    /// <summary>64 callers run <paramref name="operation"/> (given a seed that differs per call) back to back for <paramref name="duration"/>: operations per second, p50 and p99 in ms.</summary>
    private static async Task<(double Rate, double P50, double P99)> MeasureAsync(object source, Func<object, int, ArrayBufferWriter<byte>, Task> operation, TimeSpan duration)
    {
        var latencies = new List<double>[Callers];
        var clock = Stopwatch.StartNew();
        var tasks = new Task[Callers];
        for (var c = 0; c < Callers; c++)
        {
            var caller = c;
            latencies[caller] = new List<double>(4096);
            tasks[caller] = Task.Run(async () =>
            {
                var buffer = new ArrayBufferWriter<byte>(32 * 1024);
                var n = 0;
                while (clock.Elapsed < duration)
                {
                    var start = Stopwatch.GetTimestamp();
                    await operation(source, caller * 613 + n * 97, buffer);
                    latencies[caller].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    n++;
                }
            });
        }
        await Task.WhenAll(tasks);
        var elapsed = clock.Elapsed.TotalSeconds;
        var all = latencies.SelectMany(l => l).ToArray();
        Array.Sort(all);
        return (all.Length / elapsed, all[all.Length / 2], all[(int)(all.Length * 0.99)]);
    }
}

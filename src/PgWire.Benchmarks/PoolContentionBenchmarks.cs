using System.Buffers;
using BenchmarkDotNet.Attributes;
using Npgsql;

namespace PgWire.Benchmarks;

/// <summary>
/// The case the design exists for: 64 concurrent callers share a pool of 8 connections; each caller reads 100 rows x
/// 9 columns and serialises them to JSON. Npgsql holds its connection while the caller reads and serialises; PgWire
/// gives the connection back before the caller decodes anything.
/// </summary>
public class PoolContentionBenchmarks : DriverPair
{
    private const int Callers = 64;
    private const int QueriesPerCaller = 10;
    protected override string Extra => "Maximum Pool Size=8";


    [Benchmark(Baseline = true, OperationsPerInvoke = Callers * QueriesPerCaller)]
    public Task<long> Npgsql() => RunCallers(caller => NpgsqlCaller(NpgsqlSource, caller));

    [Benchmark(OperationsPerInvoke = Callers * QueriesPerCaller)]
    public Task<long> NpgsqlTuned() => RunCallers(caller => NpgsqlCaller(NpgsqlTunedSource, caller));

    [Benchmark(OperationsPerInvoke = Callers * QueriesPerCaller)]
    public Task<long> PgWire() => RunCallers(PgWireCaller);

    private static async Task<long> RunCallers(Func<int, Task<long>> caller)
    {
        var tasks = new Task<long>[Callers];
        for (var i = 0; i < Callers; i++)
        {
            var id = i;
            tasks[i] = Task.Run(() => caller(id));
        }
        long total = 0;
        foreach (var bytes in await Task.WhenAll(tasks)) total += bytes;
        return total;
    }

    private static async Task<long> NpgsqlCaller(NpgsqlDataSource dataSource, int caller)
    {
        var buffer = new ArrayBufferWriter<byte>(32 * 1024);
        long written = 0;
        for (var q = 0; q < QueriesPerCaller; q++) written += await RowsToJson.NpgsqlAsync(dataSource, (caller * 613 + q * 97) % 49_000, buffer);
        return written;
    }

    private async Task<long> PgWireCaller(int caller)
    {
        var buffer = new ArrayBufferWriter<byte>(32 * 1024);
        long written = 0;
        for (var q = 0; q < QueriesPerCaller; q++) written += await RowsToJson.PgWireAsync(PgWireSource, (caller * 613 + q * 97) % 49_000, buffer);
        return written;
    }
}

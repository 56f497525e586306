using System.Diagnostics;
using Npgsql;

namespace PgWire.Benchmarks;

/// <summary>
/// Client CPU time and allocated bytes per query, for each driver on the same workloads: process CPU time (the server
/// is another process) divided by queries run. Run with <c>-- --cpu</c>; set
/// <c>DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0</c> to leave out the thread pool's spinning while it waits for I/O.
/// </summary>
public static class CpuPerQuery
{
    private const string PointSql = "SELECT id, name FROM bench_users WHERE id = $1";
    private const string PipelineSql = "SELECT id, name FROM bench_users LIMIT $1";
    private static readonly int[] s_limits = [10, 5, 1];

    public static async Task RunAsync()
    {
        var npgsql = NpgsqlDataSource.Create(BenchmarkServer.Npgsql());
        var tuned = NpgsqlDataSource.Create(BenchmarkServer.Npgsql(Tuning.Npgsql));
        var pgwire = PgWireDataSource.Create(BenchmarkServer.ConnectionString);
        await pgwire.ExecuteAsync("CREATE UNLOGGED TABLE IF NOT EXISTS bench_inserts (id int NOT NULL, name text NOT NULL, amount numeric NOT NULL)");
        var pipelineSets = Enumerable.Range(0, 999).Select(i => new object?[] { s_limits[i % 3] }).ToArray();
        Console.WriteLine($"{"workload",-34} {"driver",-12} {"queries/s",12} {"CPU us/query",13} {"bytes/query",12}");
        foreach (var (name, source) in new[] { ("Npgsql", npgsql), ("NpgsqlTuned", tuned) })
        {
            var id = 0;
            await Measure("point query (ADO.NET, pooled)", name, 1, 20_000, async () =>
            {
                await using var command = source.CreateCommand(PointSql);
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = id = id % 1000 + 1 });
                await using var reader = await command.ExecuteReaderAsync();
                await reader.ReadAsync();
                _ = reader.GetString(1);
            });
            await Measure("999-query pipeline", name, 999, 60, async () =>
            {
                await using var connection = await source.OpenConnectionAsync();
                await using var batch = new NpgsqlBatch(connection);
                for (var q = 0; q < 999; q++) batch.BatchCommands.Add(new NpgsqlBatchCommand(PipelineSql) { Parameters = { new NpgsqlParameter<int> { TypedValue = s_limits[q % 3] } } });
                await using var reader = await batch.ExecuteReaderAsync();
                do { while (await reader.ReadAsync()) _ = reader.GetString(1); } while (await reader.NextResultAsync());
            });
            await Measure("1,000-INSERT batch", name, 1000, 40, async () =>
            {
                await using var connection = await source.OpenConnectionAsync();
                await using var batch = new NpgsqlBatch(connection);
                for (var i = 0; i < 1000; i++)
                    batch.BatchCommands.Add(new NpgsqlBatchCommand("INSERT INTO bench_inserts (id, name, amount) VALUES ($1, $2, $3)")
                    { Parameters = { new NpgsqlParameter<int> { TypedValue = i }, new NpgsqlParameter<string> { TypedValue = "name " + i }, new NpgsqlParameter<decimal> { TypedValue = i * 1.5m } } });
                await batch.ExecuteNonQueryAsync();
            });
        }
        {
            var id = 0;
            await Measure("point query (ADO.NET, pooled)", "PgWire", 1, 20_000, async () =>
            {
                await using var command = pgwire.CreateCommand(PointSql);
                command.Parameters.Add(new PgWireParameter<int> { TypedValue = id = id % 1000 + 1 });
                await using var reader = await command.ExecuteReaderAsync();
                await reader.ReadAsync();
                _ = reader.GetString(1);
            });
            await Measure("point query (native QueryAsync)", "PgWire", 1, 20_000, async () =>
            {
                using var rows = await pgwire.QueryAsync(PointSql, id = id % 1000 + 1);
                _ = rows[0].Get<string>(1);
            });
            await Measure("999-query pipeline", "PgWire", 999, 60, async () =>
            {
                using var results = await pgwire.PipelineAsync(PipelineSql, pipelineSets);
                for (var q = 0; q < results.Count; q++) foreach (var row in results[q]) _ = row.Get<string>(1);
            });
            await Measure("1,000-INSERT batch (DbBatch)", "PgWire", 1000, 40, async () =>
            {
                await using var connection = await pgwire.OpenConnectionAsync();
                await using var batch = connection.CreateBatch();
                for (var i = 0; i < 1000; i++)
                    batch.BatchCommands.Add(new PgWireBatchCommand("INSERT INTO bench_inserts (id, name, amount) VALUES ($1, $2, $3)")
                    { Parameters = { new PgWireParameter<int> { TypedValue = i }, new PgWireParameter<string> { TypedValue = "name " + i }, new PgWireParameter<decimal> { TypedValue = i * 1.5m } } });
                await batch.ExecuteNonQueryAsync();
            });
            await Measure("1,000-INSERT batch (PipelineAsync)", "PgWire", 1000, 40, async () =>
            {
                var sets = new object?[1000][];
                for (var i = 0; i < 1000; i++) sets[i] = [i, "name " + i, i * 1.5m];
                using var results = await pgwire.PipelineAsync("INSERT INTO bench_inserts (id, name, amount) VALUES ($1, $2, $3)", sets);
            });
        }
        await npgsql.DisposeAsync();
        await tuned.DisposeAsync();
        await pgwire.DisposeAsync();
    }

    private static async Task Measure(string workload, string driver, int queriesPerRun, int runs, Func<Task> run)
    {
        for (var i = 0; i < Math.Max(runs / 5, 3); i++) await run();
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu = process.TotalProcessorTime;
        var bytes = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < runs; i++) await run();
        clock.Stop();
        process.Refresh();
        double queries = (double)runs * queriesPerRun;
        var cpuPerQuery = (process.TotalProcessorTime - cpu).TotalMicroseconds / queries;
        var bytesPerQuery = (GC.GetTotalAllocatedBytes(precise: true) - bytes) / queries;
        Console.WriteLine($"{workload,-34} {driver,-12} {queries / clock.Elapsed.TotalSeconds,12:N0} {cpuPerQuery,13:F2} {bytesPerQuery,12:F0}");
    }
}

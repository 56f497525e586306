using System.Diagnostics;
using Npgsql;

namespace PgWire.Benchmarks;

/// <summary>
/// Client CPU time and allocated bytes per query for each driver on the same workloads: process CPU time (the server
/// is another process) and allocated bytes divided by the queries run. The drivers take turns, round after round, and
/// the median round is printed, as this machine's background load moves single runs a lot. Run with
/// <c>-- --cpu</c>; set <c>DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0</c> to leave out the thread pool's spinning
/// while it waits for I/O.
/// </summary>
public static class CpuPerQuery
{
    private const int Rounds = 7;
    private const string PointSql = "SELECT id, name FROM bench_users WHERE id = $1";
    private const string PointSqlNamed = "SELECT id, name FROM bench_users WHERE id = @id";
    private const string PipelineSql = "SELECT id, name FROM bench_users LIMIT $1";
    private const string InsertSql = "INSERT INTO bench_inserts (id, name, amount) VALUES ($1, $2, $3)";
    private static readonly int[] s_limits = [10, 5, 1];

    private sealed record Candidate(string Driver, Func<Task> Run);

    /// <summary>
    /// Only the sequential prepared point query of one driver ("pgwire" or "npgsql"), or the 999-query pipeline
    /// ("pgwire-pipeline" or "npgsql-pipeline", against tuned Npgsql), for <paramref name="seconds"/>: a steady process
    /// to attach a profiler to (<c>-- --cpu-loop pgwire 12</c>).
    /// </summary>
    public static async Task LoopAsync(string driver, int seconds)
    {
        Func<int, Task> run;
        IAsyncDisposable owner;
        var queriesPerRun = 1;
        if (driver is "pgwire-pipeline" or "npgsql-pipeline")
        {
            // The 999-query pipeline of --cpu, tuned Npgsql's batch against PipelineAsync.
            queriesPerRun = 999;
            var sets = Enumerable.Range(0, 999).Select(i => new object?[] { s_limits[i % 3] }).ToArray();
            if (driver == "npgsql-pipeline")
            {
                var tuned = NpgsqlDataSource.Create(BenchmarkServer.Npgsql(Tuning.Npgsql));
                run = _ => NpgsqlPipeline(tuned);
                owner = tuned;
            }
            else
            {
                var source = PgWireDataSource.Create(BenchmarkServer.ConnectionString);
                run = async __ =>
                {
                    using var results = await source.PipelineAsync(PipelineSql, sets);
                    for (var q = 0; q < results.Count; q++) foreach (var row in results[q]) _ = row.Get<string>(1);
                };
                owner = source;
            }
        }
        else if (driver == "npgsql")
        {
            var source = NpgsqlDataSource.Create(BenchmarkServer.Npgsql());
            var connection = await source.OpenConnectionAsync();
            var command = new NpgsqlCommand(PointSqlNamed, connection) { Parameters = { new NpgsqlParameter<int>("id", 1) } };
            await command.PrepareAsync();
            var parameter = (NpgsqlParameter<int>)command.Parameters[0];
            run = async id =>
            {
                parameter.TypedValue = id;
                await using var reader = await command.ExecuteReaderAsync();
                await reader.ReadAsync();
                _ = reader.GetString(1);
            };
            owner = source;
        }
        else
        {
            var source = PgWireDataSource.Create(BenchmarkServer.ConnectionString);
            var connection = await source.OpenConnectionAsync();
            var command = new PgWireCommand(PointSqlNamed, connection) { Parameters = { new PgWireParameter<int>("id", 1) } };
            await command.PrepareAsync();
            var parameter = (PgWireParameter<int>)command.Parameters[0];
            run = async id =>
            {
                parameter.TypedValue = id;
                await using var reader = await command.ExecuteReaderAsync();
                await reader.ReadAsync();
                _ = reader.GetString(1);
            };
            owner = source;
        }
        await using (owner)
        {
            var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            var user = process.UserProcessorTime;
            var clock = Stopwatch.StartNew();
            long queries = 0;
            while (clock.Elapsed.TotalSeconds < seconds) await run((int)(queries++ % BenchmarkServer.UserCount) + 1);
            process.Refresh();
            queries *= queriesPerRun;
            Console.WriteLine($"{driver}: {queries / clock.Elapsed.TotalSeconds:N0} queries/s, CPU {(process.TotalProcessorTime - cpu).TotalMicroseconds / queries:F1} us/query, user-mode {(process.UserProcessorTime - user).TotalMicroseconds / queries:F1} us/query");
        }
    }

    public static async Task RunAsync()
    {
        await using var npgsql = NpgsqlDataSource.Create(BenchmarkServer.Npgsql());
        await using var tuned = NpgsqlDataSource.Create(BenchmarkServer.Npgsql(Tuning.Npgsql));
        await using var pgwire = PgWireDataSource.Create(BenchmarkServer.ConnectionString);
        await pgwire.ExecuteAsync("CREATE UNLOGGED TABLE IF NOT EXISTS bench_inserts (id int NOT NULL, name text NOT NULL, amount numeric NOT NULL)");
        var pipelineSets = Enumerable.Range(0, 999).Select(i => new object?[] { s_limits[i % 3] }).ToArray();
        var id = 0;
        int NextId() => id = id % BenchmarkServer.UserCount + 1;

        // One open connection per driver, one prepared command each, for the sequential prepared point query.
        await using var npgsqlConnection = await npgsql.OpenConnectionAsync();
        await using var npgsqlPrepared = new NpgsqlCommand(PointSqlNamed, npgsqlConnection) { Parameters = { new NpgsqlParameter<int>("id", 1) } };
        await npgsqlPrepared.PrepareAsync();
        await using var pgwireConnection = await pgwire.OpenConnectionAsync();
        await using var pgwirePrepared = new PgWireCommand(PointSqlNamed, pgwireConnection) { Parameters = { new PgWireParameter<int>("id", 1) } };
        await pgwirePrepared.PrepareAsync();

        Console.WriteLine($"{"workload",-36} {"driver",-22} {"queries/s",10} {"CPU us/query",13} {"user us/query",14} {"bytes/query",12}");
        await Compare("prepared point query, one connection", 1, 4000,
            new("Npgsql (prepared)", async () =>
            {
                ((NpgsqlParameter<int>)npgsqlPrepared.Parameters[0]).TypedValue = NextId();
                await using var reader = await npgsqlPrepared.ExecuteReaderAsync();
                await reader.ReadAsync();
                _ = reader.GetString(1);
            }),
            new("PgWire (prepared)", async () =>
            {
                ((PgWireParameter<int>)pgwirePrepared.Parameters[0]).TypedValue = NextId();
                await using var reader = await pgwirePrepared.ExecuteReaderAsync();
                await reader.ReadAsync();
                _ = reader.GetString(1);
            }));
        await Compare("point query, open/query/close", 1, 4000,
            new("Npgsql", () => NpgsqlPoint(npgsql, NextId())),
            new("NpgsqlTuned", () => NpgsqlPoint(tuned, NextId())),
            new("PgWire (ADO.NET)", async () =>
            {
                await using var command = pgwire.CreateCommand(PointSql);
                command.Parameters.Add(new PgWireParameter<int> { TypedValue = NextId() });
                await using var reader = await command.ExecuteReaderAsync();
                await reader.ReadAsync();
                _ = reader.GetString(1);
            }),
            new("PgWire (QueryAsync)", async () =>
            {
                using var rows = await pgwire.QueryAsync(PointSql, NextId());
                _ = rows[0].Get<string>(1);
            }));
        await Compare("999-query pipeline", 999, 12,
            new("Npgsql", () => NpgsqlPipeline(npgsql)),
            new("NpgsqlTuned", () => NpgsqlPipeline(tuned)),
            new("PgWire (PipelineAsync)", async () =>
            {
                using var results = await pgwire.PipelineAsync(PipelineSql, pipelineSets);
                for (var q = 0; q < results.Count; q++) foreach (var row in results[q]) _ = row.Get<string>(1);
            }));
        await Compare("1,000-INSERT batch", 1000, 8,
            new("Npgsql", () => NpgsqlInserts(npgsql)),
            new("NpgsqlTuned", () => NpgsqlInserts(tuned)),
            new("PgWire (DbBatch)", async () =>
            {
                await using var connection = await pgwire.OpenConnectionAsync();
                await using var batch = connection.CreateBatch();
                for (var i = 0; i < 1000; i++)
                    batch.BatchCommands.Add(new PgWireBatchCommand(InsertSql)
                    { Parameters = { new PgWireParameter<int> { TypedValue = i }, new PgWireParameter<string> { TypedValue = "name " + i }, new PgWireParameter<decimal> { TypedValue = i * 1.5m } } });
                await batch.ExecuteNonQueryAsync();
            }),
            new("PgWire (PipelineAsync)", async () =>
            {
                var sets = new object?[1000][];
                for (var i = 0; i < 1000; i++) sets[i] = [i, "name " + i, i * 1.5m];
                using var results = await pgwire.PipelineAsync(InsertSql, sets);
            }));
    }

    private static async Task NpgsqlPoint(NpgsqlDataSource source, int id)
    {
        await using var command = source.CreateCommand(PointSql);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = id });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        _ = reader.GetString(1);
    }

    private static async Task NpgsqlPipeline(NpgsqlDataSource source)
    {
        await using var connection = await source.OpenConnectionAsync();
        await using var batch = new NpgsqlBatch(connection);
        for (var q = 0; q < 999; q++) batch.BatchCommands.Add(new NpgsqlBatchCommand(PipelineSql) { Parameters = { new NpgsqlParameter<int> { TypedValue = s_limits[q % 3] } } });
        await using var reader = await batch.ExecuteReaderAsync();
        do { while (await reader.ReadAsync()) _ = reader.GetString(1); } while (await reader.NextResultAsync());
    }

    private static async Task NpgsqlInserts(NpgsqlDataSource source)
    {
        await using var connection = await source.OpenConnectionAsync();
        await using var batch = new NpgsqlBatch(connection);
        for (var i = 0; i < 1000; i++)
            batch.BatchCommands.Add(new NpgsqlBatchCommand(InsertSql)
            { Parameters = { new NpgsqlParameter<int> { TypedValue = i }, new NpgsqlParameter<string> { TypedValue = "name " + i }, new NpgsqlParameter<decimal> { TypedValue = i * 1.5m } } });
        await batch.ExecuteNonQueryAsync();
    }

    /// <summary>Runs each candidate <paramref name="runsPerRound"/> times per round, in turn, for <see cref="Rounds"/> rounds.</summary>
    private static async Task Compare(string workload, int queriesPerRun, int runsPerRound, params Candidate[] candidates)
    {
        var samples = candidates.Select(_ => new List<(double Rate, double Cpu, double User, double Bytes)>()).ToArray();
        foreach (var candidate in candidates)
            for (var i = 0; i < runsPerRound; i++) await candidate.Run(); // warm-up: JIT, pools, prepared statements
        var process = Process.GetCurrentProcess();
        for (var round = 0; round < Rounds; round++)
        {
            for (var c = 0; c < candidates.Length; c++)
            {
                process.Refresh();
                var cpu = process.TotalProcessorTime;
                var user = process.UserProcessorTime;
                var bytes = GC.GetTotalAllocatedBytes(precise: true);
                var clock = Stopwatch.StartNew();
                for (var i = 0; i < runsPerRound; i++) await candidates[c].Run();
                clock.Stop();
                process.Refresh();
                double queries = (double)runsPerRound * queriesPerRun;
                samples[c].Add((queries / clock.Elapsed.TotalSeconds,
                    (process.TotalProcessorTime - cpu).TotalMicroseconds / queries,
                    (process.UserProcessorTime - user).TotalMicroseconds / queries,
                    (GC.GetTotalAllocatedBytes(precise: true) - bytes) / queries));
            }
        }
        for (var c = 0; c < candidates.Length; c++)
        {
            static double Median(IEnumerable<double> values)
            {
                var sorted = values.Order().ToArray();
                return sorted[sorted.Length / 2];
            }
            Console.WriteLine($"{workload,-36} {candidates[c].Driver,-22} {Median(samples[c].Select(s => s.Rate)),10:N0} {Median(samples[c].Select(s => s.Cpu)),13:F2} {Median(samples[c].Select(s => s.User)),14:F2} {Median(samples[c].Select(s => s.Bytes)),12:F0}");
        }
    }
}

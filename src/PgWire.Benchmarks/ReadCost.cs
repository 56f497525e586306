using System.Diagnostics;
using Npgsql;

namespace PgWire.Benchmarks;

/// <summary>
/// Large buffered reads, PgWire's <c>QueryAsync</c> against Npgsql's data reader (defaults and tuned): wall time,
/// client CPU (process time: the server is another process) and allocated bytes per query, every value read. The
/// drivers take turns, round after round, and the median round is printed with the ratios to Npgsql. Run with
/// <c>-- --read [rounds=5]</c> (and <c>DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0</c>).
/// </summary>
public static class ReadCost
{
    private const int QueriesPerRound = 4;

    private sealed record Candidate(string Workload, string Driver, Func<Task<long>> Run);

    public static async Task RunAsync(int rounds)
    {
        await using var npgsql = NpgsqlDataSource.Create(BenchmarkServer.Npgsql());
        await using var tuned = NpgsqlDataSource.Create(BenchmarkServer.Npgsql(Tuning.Npgsql));
        await using var pgwire = PgWireDataSource.Create(BenchmarkServer.ConnectionString);
        Candidate[] candidates =
        [
            new("9 columns x 50,000", "Npgsql", () => NpgsqlNineAsync(npgsql)),
            new("9 columns x 50,000", "NpgsqlTuned", () => NpgsqlNineAsync(tuned)),
            new("9 columns x 50,000", "PgWire (QueryAsync)", () => PgWireNineAsync(pgwire)),
            new("9 columns x 50,000", "PgWire (streaming)", () => PgWireNineStreamingAsync(pgwire)),
            new("jsonb as text x 50,000", "Npgsql", () => NpgsqlJsonAsync(npgsql)),
            new("jsonb as text x 50,000", "NpgsqlTuned", () => NpgsqlJsonAsync(tuned)),
            new("jsonb as text x 50,000", "PgWire (QueryAsync)", () => PgWireJsonAsync(pgwire)),
            new("60 timestamps x 50,000", "Npgsql", () => NpgsqlTimestampsAsync(npgsql)),
            new("60 timestamps x 50,000", "NpgsqlTuned", () => NpgsqlTimestampsAsync(tuned)),
            new("60 timestamps x 50,000", "PgWire (QueryAsync)", () => PgWireTimestampsAsync(pgwire)),
        ];
        foreach (var candidate in candidates) await candidate.Run(); // warm-up: JIT, pools, statement caches

        var results = candidates.ToDictionary(c => c, _ => new List<(double Wall, double Cpu, double User, double Bytes)>());
        var process = Process.GetCurrentProcess();
        for (var round = 0; round < rounds; round++)
        {
            foreach (var candidate in round % 2 == 0 ? candidates : candidates.Reverse())
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                process.Refresh();
                var cpu = process.TotalProcessorTime;
                var user = process.UserProcessorTime;
                var bytes = GC.GetTotalAllocatedBytes(precise: true);
                var clock = Stopwatch.StartNew();
                for (var i = 0; i < QueriesPerRound; i++) await candidate.Run();
                var wall = clock.Elapsed;
                process.Refresh();
                results[candidate].Add((wall.TotalMilliseconds / QueriesPerRound,
                    (process.TotalProcessorTime - cpu).TotalMilliseconds / QueriesPerRound,
                    (process.UserProcessorTime - user).TotalMilliseconds / QueriesPerRound,
                    (GC.GetTotalAllocatedBytes(precise: true) - bytes) / (double)QueriesPerRound));
            }
        }

        Console.WriteLine($"median of {rounds} rounds, {QueriesPerRound} queries per round; ratios to Npgsql defaults / tuned of the same run");
        Console.WriteLine($"{"workload",-24} {"driver",-20} {"ms/query",9} {"CPU ms",8} {"user ms",8} {"MB alloc",9} {"time/N",7} {"time/T",7} {"CPU/N",6} {"CPU/T",6}");
        foreach (var group in candidates.GroupBy(c => c.Workload))
        {
            var reference = Median(results[group.First(c => c.Driver == "Npgsql")]);
            var tunedReference = Median(results[group.First(c => c.Driver == "NpgsqlTuned")]);
            foreach (var candidate in group)
            {
                var m = Median(results[candidate]);
                Console.WriteLine($"{candidate.Workload,-24} {candidate.Driver,-20} {m.Wall,9:F2} {m.Cpu,8:F2} {m.User,8:F2} {m.Bytes / 1e6,9:F2} " +
                    $"{m.Wall / reference.Wall,7:F2} {m.Wall / tunedReference.Wall,7:F2} {m.Cpu / reference.Cpu,6:F2} {m.Cpu / tunedReference.Cpu,6:F2}");
            }
        }
    }

    /// <summary>PgWire's buffered read of <paramref name="what"/> (nine, timestamps) in a loop for <paramref name="seconds"/>: a steady process for a profiler.</summary>
    public static async Task LoopAsync(string what, int seconds)
    {
        await using var pgwire = PgWireDataSource.Create(BenchmarkServer.ConnectionString);
        var clock = Stopwatch.StartNew();
        var queries = 0;
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            _ = what == "timestamps" ? await PgWireTimestampsAsync(pgwire) : await PgWireNineAsync(pgwire);
            queries++;
        }
        Console.WriteLine($"{what}: {queries} queries in {clock.Elapsed.TotalSeconds:F1} s");
    }

    private static (double Wall, double Cpu, double User, double Bytes) Median(List<(double Wall, double Cpu, double User, double Bytes)> runs)
    {
        static double Mid(IEnumerable<double> values) { var v = values.Order().ToArray(); return v[v.Length / 2]; }
        return (Mid(runs.Select(r => r.Wall)), Mid(runs.Select(r => r.Cpu)), Mid(runs.Select(r => r.User)), Mid(runs.Select(r => r.Bytes)));
    }

    private static async Task<long> NpgsqlNineAsync(NpgsqlDataSource source)
    {
        await using var command = source.CreateCommand(NineColumns.Sql);
        return await NineColumns.ReadAllAsync(command);
    }

    internal static async Task<long> PgWireNineAsync(PgWireDataSource source)
    {
        using var rows = await source.QueryAsync(NineColumns.Sql);
        long check = 0;
        foreach (var row in rows) check += NineColumns.ReadAll(row);
        return check;
    }

    private static async Task<long> PgWireNineStreamingAsync(PgWireDataSource source)
    {
        await using var reader = await source.QueryStreamingAsync(NineColumns.Sql);
        long check = 0;
        while (await reader.ReadAsync()) check += NineColumns.ReadAll(reader);
        return check;
    }

    private const string JsonSql = "SELECT j FROM bench_rows";

    private static async Task<long> NpgsqlJsonAsync(NpgsqlDataSource source)
    {
        await using var command = source.CreateCommand(JsonSql);
        await using var reader = await command.ExecuteReaderAsync();
        long check = 0;
        while (await reader.ReadAsync()) check += reader.GetString(0).Length;
        return check;
    }

    private static async Task<long> PgWireJsonAsync(PgWireDataSource source)
    {
        using var rows = await source.QueryAsync(JsonSql);
        long check = 0;
        foreach (var row in rows) check += row.Get<string>(0).Length;
        return check;
    }

    private const string TimestampSql = "SELECT * FROM bench_timestamps";

    private static async Task<long> NpgsqlTimestampsAsync(NpgsqlDataSource source)
    {
        await using var command = source.CreateCommand(TimestampSql);
        await using var reader = await command.ExecuteReaderAsync();
        long check = 0;
        while (await reader.ReadAsync())
            for (var c = 0; c < 60; c++) check += reader.GetDateTime(c).Ticks;
        return check;
    }

    internal static async Task<long> PgWireTimestampsAsync(PgWireDataSource source)
    {
        using var rows = await source.QueryAsync(TimestampSql);
        long check = 0;
        foreach (var row in rows)
            for (var c = 0; c < 60; c++) check += row.Get<DateTime>(c).Ticks;
        return check;
    }
}

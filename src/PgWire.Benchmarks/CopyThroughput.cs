using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;

namespace PgWire.Benchmarks;

/// <summary>
/// Binary COPY of 1,000,000 rows (int4, text, int8, timestamptz) in and out, PgWire against Npgsql's binary importer
/// and exporter (and PgWire's BulkInsertAsync of tuples): rows/s, client CPU time per row and allocated bytes per row. The drivers take turns for five rounds;
/// medians are printed. Run with <c>-- --copy</c>.
/// </summary>
public static class CopyThroughput
{
    private const int Rows = 1_000_000;
    private const int Rounds = 5;
    private static readonly DateTime s_start = new(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly string[] s_names = Enumerable.Range(0, 1000).Select(i => "row name " + i).ToArray();

    public static async Task RunAsync()
    {
        await using var npgsql = NpgsqlDataSource.Create(BenchmarkServer.Npgsql());
        await using var pgwire = PgWireDataSource.Create(BenchmarkServer.ConnectionString);
        await pgwire.ExecuteAsync("CREATE UNLOGGED TABLE IF NOT EXISTS bench_copy (a int4, b text, c int8, d timestamptz)");
        await pgwire.ExecuteAsync("CREATE UNLOGGED TABLE IF NOT EXISTS bench_copy_source AS SELECT g AS a, 'row name ' || (g % 1000) AS b, g::int8 * 3 AS c, '2024-01-01'::timestamptz + g * interval '1 second' AS d FROM generate_series(1, 1000000) g");

        var import = new (string Driver, Func<Task<long>> Run)[]
        {
            ("Npgsql", async () =>
            {
                await using var connection = await npgsql.OpenConnectionAsync();
                await using (var truncate = new NpgsqlCommand("TRUNCATE bench_copy", connection)) await truncate.ExecuteNonQueryAsync();
                await using var importer = await connection.BeginBinaryImportAsync("COPY bench_copy (a, b, c, d) FROM STDIN (FORMAT BINARY)");
                for (var i = 0; i < Rows; i++)
                {
                    await importer.StartRowAsync();
                    await importer.WriteAsync(i, NpgsqlDbType.Integer);
                    await importer.WriteAsync(s_names[i % 1000], NpgsqlDbType.Text);
                    await importer.WriteAsync((long)i * 3, NpgsqlDbType.Bigint);
                    await importer.WriteAsync(s_start.AddSeconds(i), NpgsqlDbType.TimestampTz);
                }
                return (long)await importer.CompleteAsync();
            }),
            ("PgWire", async () =>
            {
                await using var connection = await pgwire.OpenConnectionAsync();
                await using (var truncate = new PgWireCommand("TRUNCATE bench_copy", connection)) await truncate.ExecuteNonQueryAsync();
                await using var importer = await connection.BeginBinaryImportAsync("COPY bench_copy (a, b, c, d) FROM STDIN (FORMAT BINARY)");
                for (var i = 0; i < Rows; i++)
                {
                    await importer.StartRowAsync();
                    importer.Write(i);
                    importer.Write(s_names[i % 1000]);
                    importer.Write((long)i * 3);
                    importer.Write(s_start.AddSeconds(i));
                }
                return (long)await importer.CompleteAsync();
            }),
            ("PgWire bulk", async () =>
            {
                await using var connection = await pgwire.OpenConnectionAsync();
                await using (var truncate = new PgWireCommand("TRUNCATE bench_copy", connection)) await truncate.ExecuteNonQueryAsync();
                var rows = Enumerable.Range(0, Rows).Select(i => (i, s_names[i % 1000], (long)i * 3, s_start.AddSeconds(i)));
                return (long)await connection.BulkInsertAsync("bench_copy", ["a", "b", "c", "d"], rows);
            }),
        };
        var export = new (string Driver, Func<Task<long>> Run)[]
        {
            ("Npgsql", async () =>
            {
                await using var connection = await npgsql.OpenConnectionAsync();
                await using var exporter = await connection.BeginBinaryExportAsync("COPY bench_copy_source (a, b, c, d) TO STDOUT (FORMAT BINARY)");
                long n = 0, check = 0;
                while (await exporter.StartRowAsync() != -1)
                {
                    check += await exporter.ReadAsync<int>() + (await exporter.ReadAsync<string>()).Length + await exporter.ReadAsync<long>() + (await exporter.ReadAsync<DateTime>()).Second;
                    n++;
                }
                return n + (check == 0 ? 1 : 0);
            }),
            ("PgWire", async () =>
            {
                await using var connection = await pgwire.OpenConnectionAsync();
                await using var exporter = await connection.BeginBinaryExportAsync("COPY bench_copy_source (a, b, c, d) TO STDOUT (FORMAT BINARY)");
                long n = 0, check = 0;
                while (await exporter.StartRowAsync() != -1)
                {
                    check += exporter.Read<int>() + exporter.Read<string>().Length + exporter.Read<long>() + exporter.Read<DateTime>().Second;
                    n++;
                }
                return n + (check == 0 ? 1 : 0);
            }),
        };
        Console.WriteLine($"{"workload",-34} {"driver",-11} {"rows/s",12} {"CPU ns/row",11} {"bytes/row",10}");
        await Compare("binary import, 1,000,000 rows", import);
        await Compare("binary export, 1,000,000 rows", export);
    }

    private static async Task Compare(string workload, (string Driver, Func<Task<long>> Run)[] candidates)
    {
        foreach (var candidate in candidates) await candidate.Run(); // warm-up
        var samples = candidates.Select(_ => new List<(double Rate, double Cpu, double Bytes)>()).ToArray();
        var process = Process.GetCurrentProcess();
        for (var round = 0; round < Rounds; round++)
        {
            for (var c = 0; c < candidates.Length; c++)
            {
                process.Refresh();
                var cpu = process.TotalProcessorTime;
                var bytes = GC.GetTotalAllocatedBytes(precise: true);
                var clock = Stopwatch.StartNew();
                var rows = await candidates[c].Run();
                clock.Stop();
                process.Refresh();
                if (rows != Rows) throw new InvalidOperationException($"{candidates[c].Driver} moved {rows} rows, not {Rows}.");
                samples[c].Add((rows / clock.Elapsed.TotalSeconds, (process.TotalProcessorTime - cpu).TotalNanoseconds / rows,
                    (GC.GetTotalAllocatedBytes(precise: true) - bytes) / (double)rows));
            }
        }
        static double Median(IEnumerable<double> values)
        {
            var sorted = values.Order().ToArray();
            return sorted[sorted.Length / 2];
        }
        for (var c = 0; c < candidates.Length; c++)
            Console.WriteLine($"{workload,-34} {candidates[c].Driver,-11} {Median(samples[c].Select(s => s.Rate)),12:N0} {Median(samples[c].Select(s => s.Cpu)),11:F0} {Median(samples[c].Select(s => s.Bytes)),10:F1}");
    }
}

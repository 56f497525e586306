using System.Diagnostics;
using Npgsql;

namespace PgWire.Benchmarks;

/// <summary>
/// Binary COPY of 1,000,000 rows (int4, text, int8, timestamptz) in and out, PgWire against Npgsql's binary importer
/// and exporter (and PgWire's BulkInsertAsync of tuples; the workloads are <see cref="CopyWorkload"/>'s): rows/s,
/// client CPU time per row and allocated bytes per row. The drivers take turns for five rounds; medians are printed.
/// Run with <c>-- --copy</c>.
/// </summary>
public static class CopyThroughput
{
    private const int Rows = 1_000_000;
    private const int Rounds = 5;

    public static async Task RunAsync()
    {
        await using var npgsql = NpgsqlDataSource.Create(BenchmarkServer.Npgsql());
        await using var pgwire = PgWireDataSource.Create(BenchmarkServer.ConnectionString);
        await pgwire.ExecuteAsync("CREATE UNLOGGED TABLE IF NOT EXISTS bench_copy (a int4, b text, c int8, d timestamptz)");
        await pgwire.ExecuteAsync(CopyWorkload.CreateSourceSql("bench_copy_source", Rows));

        var import = new (string Driver, Func<Task<long>> Run)[]
        {
            ("Npgsql", () => CopyWorkload.ImportNpgsqlAsync(npgsql, "bench_copy", Rows)),
            ("PgWire", () => CopyWorkload.ImportPgWireAsync(pgwire, "bench_copy", Rows)),
            ("PgWire bulk", () => CopyWorkload.BulkInsertPgWireAsync(pgwire, "bench_copy", Rows)),
        };
        var export = new (string Driver, Func<Task<long>> Run)[]
        {
            ("Npgsql", () => CopyWorkload.ExportNpgsqlAsync(npgsql, "bench_copy_source")),
            ("PgWire", () => CopyWorkload.ExportPgWireAsync(pgwire, "bench_copy_source")),
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

using System.Diagnostics;
using PgWire.Testing;

namespace PgWire.Benchmarks;

/// <summary>
/// What a progressive row set could give a buffered query at most: the time from the first row's arrival to the end
/// of the response (ReadyForQuery), read from PgWire's own spans (<c>pgwire.time_to_first_row</c> against the span's
/// duration). A caller handed the rows at the first one could start that much earlier; a caller that reads every row
/// still waits for the last. Measured for the web case (100 rows x 9 columns) and the large read (50,000 x 9), one
/// caller, through the latency proxy at each one-way delay. Run with <c>-- --first-row [delays in ms=0,1]</c>.
/// </summary>
public static class FirstRowGap
{
    public static async Task RunAsync(double[] delaysMs)
    {
        var server = new PgWireConnectionStringBuilder(BenchmarkServer.ConnectionString);
        await using var proxy = PgFaultProxy.Start(server.Host == "localhost" ? "127.0.0.1" : server.Host, server.Port);
        var spans = new List<(double Duration, double FirstRow)>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "PgWire",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.GetTagItem("pgwire.time_to_first_row") is double firstRow)
                    lock (spans) spans.Add((activity.Duration.TotalMilliseconds, firstRow * 1000));
            },
        };
        ActivitySource.AddActivityListener(listener);

        Console.WriteLine($"{"one-way ms",10} {"workload",-22} {"queries",7} {"span ms",9} {"first row ms",12} {"after first row ms",18} {"share",6}");
        foreach (var delay in delaysMs)
        {
            proxy.Plan = delay > 0 ? new FaultPlan { Latency = TimeSpan.FromMilliseconds(delay) } : null;
            await using var source = PgWireDataSource.Create(proxy.Through(BenchmarkServer.ConnectionString));
            foreach (var (workload, sql, count) in new[] { ("100 rows x 9 columns", RowsToJson.Sql, 300), ("50,000 rows x 9", NineColumns.Sql, 8) })
            {
                for (var i = 0; i < Math.Max(2, count / 10); i++) await RunAsync(source, sql, i); // warm-up
                lock (spans) spans.Clear();
                for (var i = 0; i < count; i++) await RunAsync(source, sql, i);
                (double Duration, double FirstRow)[] taken;
                lock (spans) taken = [.. spans];
                var duration = Median(taken.Select(s => s.Duration));
                var firstRow = Median(taken.Select(s => s.FirstRow));
                var after = Median(taken.Select(s => s.Duration - s.FirstRow));
                Console.WriteLine($"{delay,10:0.##} {workload,-22} {taken.Length,7} {duration,9:F3} {firstRow,12:F3} {after,18:F3} {after / duration,6:P0}");
            }
        }
    }

    private static async Task RunAsync(PgWireDataSource source, string sql, int i)
    {
        using var rows = sql == RowsToJson.Sql ? await source.QueryAsync(sql, i * 97 % 49_000) : await source.QueryAsync(sql);
        if (rows.Count == 0) throw new InvalidOperationException("The benchmark query returned no rows.");
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[sorted.Length / 2];
    }
}

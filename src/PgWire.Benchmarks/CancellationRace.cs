using System.Diagnostics;
using Npgsql;

namespace PgWire.Benchmarks;

/// <summary>
/// A cancellation-heavy workload (issue 12, defect 7): a short query whose token is cancelled 0-200 us after it
/// starts, then a marker query that must never be cancelled, on a pool of one. The drivers take turns round after
/// round; prints the median time per iteration, the sessions opened and the outcomes.
/// <c>dotnet run -c Release --project src/PgWire.Benchmarks -- --cancel-race [iterations per round]</c>.
/// </summary>
public static class CancellationRace
{
    private const int Rounds = 5;

    public static async Task RunAsync(int iterations)
    {
        await using var pgwire = PgWireDataSource.Create(BenchmarkServer.ConnectionString + ";Maximum Pool Size=1");
        await using var npgsql = NpgsqlDataSource.Create(BenchmarkServer.Npgsql() + ";Maximum Pool Size=1");
        var pgwireTimes = new List<double>();
        var npgsqlTimes = new List<double>();
        var pgwirePids = new HashSet<int>();
        var npgsqlPids = new HashSet<int>();
        int pgwireCancelled = 0, npgsqlCancelled = 0, pgwireMarkerFailures = 0, npgsqlMarkerFailures = 0;
        for (var round = 0; round < Rounds; round++)
        {
            var random = new Random(round);
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < iterations; i++)
            {
                using var cts = new CancellationTokenSource();
                var query = pgwire.QueryAsync("SELECT pg_backend_pid()", [], cts.Token).AsTask();
                Spin(random.Next(0, 200));
                cts.Cancel();
                try
                {
                    using var rows = await query;
                }
                catch (OperationCanceledException)
                {
                    pgwireCancelled++;
                }
                try
                {
                    using var marker = await pgwire.QueryAsync("SELECT pg_backend_pid(), $1::int", i);
                    pgwirePids.Add(marker[0].Get<int>(0));
                }
                catch (Exception)
                {
                    pgwireMarkerFailures++;
                }
            }
            pgwireTimes.Add(clock.Elapsed.TotalMilliseconds / iterations);

            random = new Random(round);
            clock.Restart();
            for (var i = 0; i < iterations; i++)
            {
                using var cts = new CancellationTokenSource();
                var query = NpgsqlQuery(npgsql, "SELECT pg_backend_pid()", cts.Token);
                Spin(random.Next(0, 200));
                cts.Cancel();
                try
                {
                    await query;
                }
                catch (OperationCanceledException)
                {
                    npgsqlCancelled++;
                }
                try
                {
                    npgsqlPids.Add(await NpgsqlQuery(npgsql, "SELECT pg_backend_pid()", CancellationToken.None));
                }
                catch (Exception)
                {
                    npgsqlMarkerFailures++;
                }
            }
            npgsqlTimes.Add(clock.Elapsed.TotalMilliseconds / iterations);
        }
        pgwireTimes.Sort();
        npgsqlTimes.Sort();
        Console.WriteLine($"{"driver",-8} {"ms/iteration (median of " + Rounds + ")",28} {"sessions",9} {"cancelled",10} {"marker failures",16}");
        Console.WriteLine($"{"PgWire",-8} {pgwireTimes[Rounds / 2],28:F2} {pgwirePids.Count,9} {pgwireCancelled,10} {pgwireMarkerFailures,16}");
        Console.WriteLine($"{"Npgsql",-8} {npgsqlTimes[Rounds / 2],28:F2} {npgsqlPids.Count,9} {npgsqlCancelled,10} {npgsqlMarkerFailures,16}");
        Console.WriteLine($"PgWire / Npgsql time: {pgwireTimes[Rounds / 2] / npgsqlTimes[Rounds / 2]:F2}");
    }

    private static void Spin(int microseconds)
    {
        var spin = Stopwatch.StartNew();
        while (spin.Elapsed.TotalMicroseconds < microseconds) Thread.SpinWait(10);
    }

    private static async Task<int> NpgsqlQuery(NpgsqlDataSource dataSource, string sql, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using PgWire.Testing;
using Xunit;
using Xunit.Abstractions;

namespace PgWire.Tests.Cluster;

/// <summary>
/// A failover under load, on a cluster of its own (the test stops its primary): 64 callers write through a primary
/// whose commits wait for standby1; the primary crashes (pg_ctl stop -m immediate) and standby1 is promoted.
/// </summary>
public sealed class FailoverTests(ITestOutputHelper output)
{
    private const int Callers = 64;
    private const int RecheckSeconds = 2;

    [Fact]
    public async Task Every_acknowledged_write_survives_a_failover_and_callers_reach_the_new_primary()
    {
        await using var cluster = await PgTestCluster.StartAsync(standbys: 2, synchronous: true);
        await using (var setup = PgWireDataSource.Create(cluster.Primary.ConnectionString))
            await setup.ExecuteAsync("CREATE TABLE writes (id bigint PRIMARY KEY, caller int NOT NULL)");

        await using var dataSource = PgWireDataSource.Create(cluster.ConnectionString(
            $"Target Session Attributes=primary;Host Recheck Seconds={RecheckSeconds};Timeout=3;Command Timeout=10;Maximum Pool Size=100"));
        var committed = new ConcurrentBag<long>();
        var failed = new ConcurrentBag<(long Id, string Error)>();
        var recoveredAfter = new ConcurrentDictionary<int, TimeSpan>();
        var clock = Stopwatch.StartNew();
        long promotedAt = 0; // clock ticks when the promotion finished; 0 before
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(40));

        async Task CallerAsync(int caller)
        {
            for (long n = 0; !stop.IsCancellationRequested; n++)
            {
                var id = caller * 1_000_000L + n;
                try
                {
                    var started = clock.Elapsed;
                    await dataSource.ExecuteAsync("INSERT INTO writes VALUES ($1, $2)", [id, caller], CancellationToken.None);
                    committed.Add(id);
                    var promoted = Interlocked.Read(ref promotedAt);
                    // Done once a write that started after the promotion went through (on the new primary): how long
                    // after the promotion the caller got there.
                    if (promoted != 0 && started.Ticks > promoted)
                    {
                        recoveredAfter.TryAdd(caller, clock.Elapsed - TimeSpan.FromTicks(promoted));
                        return;
                    }
                }
                catch (Exception e) when (e is PgWireException or TimeoutException)
                {
                    // Never a silent retry: the driver reports the failure; the outcome of this write is unknown to the caller.
                    failed.Add((id, e.GetType().Name + ": " + e.Message));
                    await Task.Delay(50);
                }
            }
        }

        var callers = Enumerable.Range(1, Callers).Select(c => Task.Run(() => CallerAsync(c))).ToArray();
        // Load first: every caller has written before the crash.
        while (committed.Count < Callers * 20) await Task.Delay(20);
        var beforeCrash = committed.Count;
        await cluster.StopAsync(cluster.Primary, "immediate");
        await cluster.PromoteAsync(cluster.Standbys[0]);
        Interlocked.Exchange(ref promotedAt, clock.Elapsed.Ticks);
        await Task.WhenAll(callers);
        output.WriteLine($"{beforeCrash} writes before the crash, {committed.Count} acknowledged in all, {failed.Count} failed; " +
            $"recovery after the promotion: max {recoveredAfter.Values.DefaultIfEmpty().Max().TotalSeconds:0.00} s");
        foreach (var (id, error) in failed.Take(5)) output.WriteLine($"failed {id}: {error}");

        Assert.NotEmpty(failed); // the crash was seen by callers
        Assert.Equal(Callers, recoveredAfter.Count); // every caller wrote to the new primary (within the 40 s bound)
        foreach (var (caller, after) in recoveredAfter)
            Assert.True(after < TimeSpan.FromSeconds(RecheckSeconds + 2), $"Caller {caller} reached the new primary {after.TotalSeconds:0.00} s after the promotion.");

        // Every write the driver reported committed is on the new primary.
        var present = (await cluster.PsqlAsync(cluster.Standbys[0], "SELECT id FROM writes"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).ToHashSet();
        var lost = committed.Where(id => !present.Contains(id)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} acknowledged writes are missing on the new primary, e.g. {string.Join(", ", lost.Take(5))}.");
    }
}

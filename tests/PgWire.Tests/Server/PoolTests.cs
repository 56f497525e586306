using System.Diagnostics;
using Xunit;

namespace PgWire.Tests.Server;

[Collection(ServerCollection.Name)]
public class PoolTests(ServerFixture fixture)
{
    private static async Task<int> BackendPid(PgWireDataSource dataSource)
    {
        using var rows = await dataSource.QueryAsync("SELECT pg_backend_pid()");
        return rows[0].Get<int>(0);
    }

    /// <summary>Terminates the backends of <paramref name="applicationName"/> and waits until the server shows none of them.</summary>
    internal static async Task TerminateBackendsAsync(ServerFixture fixture, string applicationName, int expected)
    {
        await using var admin = fixture.CreateDataSource("Pooling=false");
        using (var killed = await admin.QueryAsync(
            "SELECT count(*)::int FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1) t", applicationName))
            Assert.Equal(expected, killed[0].Get<int>(0));
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var left = await admin.QueryAsync("SELECT count(*)::int FROM pg_stat_activity WHERE application_name = $1", applicationName);
            if (left[0].Get<int>(0) == 0) return;
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the terminated backends did not go away");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task Idle_connections_the_server_terminated_are_never_handed_to_a_caller()
    {
        // Issue 12, defect 5: after the server terminated 5 idle pooled connections, the next 5 queries failed with 57P01.
        var name = "pool-dead-idle-" + Guid.NewGuid().ToString("N")[..8];
        await using var dataSource = fixture.CreateDataSource($"Application Name={name};Maximum Pool Size=5");
        // Five connections in the pool: five callers at once, each held by a short sleep.
        await Task.WhenAll(Enumerable.Range(0, 5).Select(async _ => { using var r = await dataSource.QueryAsync("SELECT pg_sleep(0.2)"); }));
        Assert.Equal(5, dataSource.OpenConnectionCount);
        await TerminateBackendsAsync(fixture, name, 5);

        for (var i = 0; i < 5; i++)
        {
            using var rows = await dataSource.QueryAsync("SELECT $1::int", i);
            Assert.Equal(i, rows[0].Get<int>(0));
        }
        await using (var connection = await dataSource.OpenConnectionAsync())
            Assert.Equal(7, await new PgWireCommand("SELECT 7", connection).ExecuteScalarAsync());

        // And concurrently, after a second termination.
        await Task.WhenAll(Enumerable.Range(0, 5).Select(async _ => { using var r = await dataSource.QueryAsync("SELECT pg_sleep(0.2)"); }));
        await TerminateBackendsAsync(fixture, name, dataSource.OpenConnectionCount);
        await Task.WhenAll(Enumerable.Range(0, 5).Select(async i =>
        {
            using var rows = await dataSource.QueryAsync("SELECT $1::int", i);
            Assert.Equal(i, rows[0].Get<int>(0));
        }));
    }

    [Fact]
    public async Task An_undisposed_row_set_does_not_hold_the_only_connection()
    {
        await using var dataSource = fixture.CreateDataSource("Maximum Pool Size=1;Timeout=2");
        using var held = await dataSource.QueryAsync("SELECT generate_series(1, 1000)");
        using var next = await dataSource.QueryAsync("SELECT 5");
        Assert.Equal(5, next[0].Get<int>(0));
        Assert.Equal(1000, held.Count);
        Assert.Equal(1, dataSource.OpenConnectionCount);
    }

    [Fact]
    public async Task Hundreds_of_concurrent_queries_through_one_data_source()
    {
        await using var dataSource = fixture.CreateDataSource("Maximum Pool Size=16");
        var tasks = Enumerable.Range(0, 400).Select(async i =>
        {
            using var rows = await dataSource.QueryAsync("SELECT $1::int * 2, repeat('x', $1)", i);
            Assert.Equal(i * 2, rows[0].Get<int>(0));
            Assert.Equal(i, rows[0].Get<string>(1).Length);
            return i;
        });
        var results = await Task.WhenAll(tasks);
        Assert.Equal(400, results.Distinct().Count());
        Assert.InRange(dataSource.OpenConnectionCount, 1, 16);
    }

    [Fact]
    public async Task An_exhausted_pool_waits_then_says_size_and_use()
    {
        await using var dataSource = fixture.CreateDataSource("Maximum Pool Size=1;Timeout=1");
        var sleeper = dataSource.ExecuteAsync("SELECT pg_sleep(3), 'exhausted-pool'").AsTask();
        await fixture.WaitUntilRunningAsync("'exhausted-pool'"); // the only connection is held
        var watch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<PgWireException>(async () => await dataSource.QueryAsync("SELECT 1"));
        Assert.InRange(watch.Elapsed.TotalSeconds, 0.8, 2.9); // Timeout=1, and well before the sleeper lets go
        Assert.Contains("Maximum Pool Size is 1", e.Message);
        Assert.Contains("1 connections are in use", e.Message);
        Assert.IsType<TimeoutException>(e.InnerException);
        await sleeper;
        using var rows = await dataSource.QueryAsync("SELECT 1");
        Assert.Equal(1, rows[0].Get<int>(0));
    }

    [Fact]
    public async Task A_connection_returned_inside_a_transaction_is_rolled_back()
    {
        await using var dataSource = fixture.CreateDataSource("Maximum Pool Size=1");
        await dataSource.ExecuteAsync("DROP TABLE IF EXISTS p_tx; CREATE TABLE p_tx (v int)");
        var pid = await BackendPid(dataSource);
        await dataSource.ExecuteAsync("BEGIN; INSERT INTO p_tx VALUES (1)");
        using var rows = await dataSource.QueryAsync("SELECT count(*)::int, pg_backend_pid(), now() = statement_timestamp() FROM p_tx");
        Assert.Equal(0, rows[0].Get<int>(0));
        Assert.Equal(pid, rows[0].Get<int>(1)); // same session, rolled back rather than discarded
    }

    [Fact]
    public async Task A_broken_connection_is_destroyed_never_handed_out()
    {
        await using var dataSource = fixture.CreateDataSource("Maximum Pool Size=1");
        var pid = await BackendPid(dataSource);
        var e = await Assert.ThrowsAsync<PgWireServerException>(async () => await dataSource.ExecuteAsync("SELECT pg_terminate_backend(pg_backend_pid())"));
        Assert.Equal("57P01", e.SqlState);
        Assert.NotEqual(pid, await BackendPid(dataSource));
    }

    [Fact]
    public async Task A_connection_killed_while_idle_is_replaced_before_the_next_query()
    {
        var name = "pool-killed-" + Guid.NewGuid().ToString("N")[..8];
        await using var dataSource = fixture.CreateDataSource($"Application Name={name};Maximum Pool Size=1");
        var pid = await BackendPid(dataSource);
        await TerminateBackendsAsync(fixture, name, 1);
        Assert.NotEqual(pid, await BackendPid(dataSource)); // no caller sees the dead session
    }

    [Fact]
    public async Task A_connection_killed_while_in_use_fails_that_query_clearly_then_the_pool_recovers()
    {
        var name = "pool-killed-busy-" + Guid.NewGuid().ToString("N")[..8];
        await using var dataSource = fixture.CreateDataSource($"Application Name={name};Maximum Pool Size=1");
        var pid = await BackendPid(dataSource);
        var running = dataSource.QueryAsync("SELECT pg_sleep(10)").AsTask();
        await using (var admin = fixture.CreateDataSource("Pooling=false"))
        {
            // Wait until the sleep runs, then end its backend.
            var clock = Stopwatch.StartNew();
            while (true)
            {
                using var active = await admin.QueryAsync("SELECT count(*)::int FROM pg_stat_activity WHERE pid = $1 AND query LIKE '%pg_sleep(10)%'", pid);
                if (active[0].Get<int>(0) == 1) break;
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
                await Task.Delay(5);
            }
            await admin.ExecuteAsync("SELECT pg_terminate_backend($1)", pid);
        }
        var e = await Assert.ThrowsAnyAsync<PgWireException>(async () => await running);
        // The server's goodbye (FATAL 57P01, terminating connection due to administrator command) when it arrived
        // before the close; otherwise the closed socket is named.
        Assert.True(e is PgWireServerException { SqlState: "57P01" } || e.Message.Contains("closed the connection", StringComparison.Ordinal), e.ToString());
        Assert.NotEqual(pid, await BackendPid(dataSource));
    }

    [Fact]
    public async Task Connection_Lifetime_retires_old_connections()
    {
        await using var dataSource = fixture.CreateDataSource("Maximum Pool Size=1;Connection Lifetime=1");
        var first = await BackendPid(dataSource);
        Assert.Equal(first, await BackendPid(dataSource));
        await Task.Delay(1300);
        Assert.NotEqual(first, await BackendPid(dataSource));
    }

    [Fact]
    public async Task Idle_connections_are_pruned_down_to_Minimum_Pool_Size()
    {
        await using var dataSource = fixture.CreateDataSource(
            "Maximum Pool Size=8;Minimum Pool Size=2;Connection Idle Lifetime=1;Connection Pruning Interval=1");
        await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => dataSource.ExecuteAsync("SELECT pg_sleep(0.3)").AsTask()));
        Assert.Equal(6, dataSource.OpenConnectionCount);
        var deadline = Stopwatch.StartNew();
        while (dataSource.OpenConnectionCount > 2 && deadline.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(100);
        Assert.Equal(2, dataSource.OpenConnectionCount);
        await Task.Delay(2500);
        Assert.Equal(2, dataSource.OpenConnectionCount);
    }

    [Fact]
    public async Task Pooling_false_opens_a_private_connection_each_time()
    {
        await using var dataSource = fixture.CreateDataSource("Pooling=false");
        var first = await BackendPid(dataSource);
        Assert.NotEqual(first, await BackendPid(dataSource));
        Assert.Equal(0, dataSource.OpenConnectionCount);
    }
}

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
        var sleeper = dataSource.ExecuteAsync("SELECT pg_sleep(3)").AsTask();
        await Task.Delay(300);
        var watch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<PgWireException>(async () => await dataSource.QueryAsync("SELECT 1"));
        Assert.InRange(watch.Elapsed.TotalSeconds, 0.8, 2.5);
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
        var e = await Assert.ThrowsAsync<PostgresException>(async () => await dataSource.ExecuteAsync("SELECT pg_terminate_backend(pg_backend_pid())"));
        Assert.Equal("57P01", e.SqlState);
        Assert.NotEqual(pid, await BackendPid(dataSource));
    }

    [Fact]
    public async Task A_connection_killed_from_outside_fails_one_query_clearly_then_the_pool_recovers()
    {
        await using var dataSource = fixture.CreateDataSource("Maximum Pool Size=1");
        await using var admin = fixture.CreateDataSource();
        var pid = await BackendPid(dataSource);
        await admin.ExecuteAsync("SELECT pg_terminate_backend($1)", pid);
        await Task.Delay(200);
        var e = await Assert.ThrowsAnyAsync<PgWireException>(async () => await dataSource.QueryAsync("SELECT 1"));
        // The server's goodbye (FATAL 57P01, terminating connection due to administrator command) is what the caller
        // sees when it arrived; otherwise the closed socket is named.
        Assert.True(e is PostgresException { SqlState: "57P01" } || e.Message.Contains("closed the connection", StringComparison.Ordinal)
            || e.Message.Contains("failed", StringComparison.Ordinal), e.ToString());
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

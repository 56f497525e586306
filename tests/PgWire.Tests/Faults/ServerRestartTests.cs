using System.Collections.Concurrent;
using System.Diagnostics;
using PgWire.Testing;
using Xunit;

namespace PgWire.Tests.Faults;

/// <summary>A throwaway server of its own, which these tests restart and whose backends they terminate.</summary>
public sealed class RestartableServerFixture : IAsyncLifetime
{
    private PgTestServer? _server;

    public PgTestServer Server => _server ?? throw new InvalidOperationException("The server has not started.");

    // Never the shared or an external server: these tests restart it.
    public async Task InitializeAsync() => _server = await PgTestServer.StartAsync(environmentVariable: null);

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}

/// <summary>
/// The server restarts, or ends every backend, while 50 callers run queries: each call gives its own right answer
/// or a clear <see cref="PgWireException"/> (never a wrong or partial result, never a hang), and once the server is
/// back every call succeeds.
/// </summary>
public class ServerRestartTests(RestartableServerFixture fixture) : IClassFixture<RestartableServerFixture>
{
    private sealed class Outcomes
    {
        public int Succeeded;
        public ConcurrentDictionary<string, int> Errors { get; } = new();

        public override string ToString() => $"{Succeeded} succeeded; errors: {string.Join(", ", Errors.Select(e => $"{e.Key} x{e.Value}"))}";
    }

    /// <summary>Runs <paramref name="callers"/> loops of mixed calls until <paramref name="stop"/> is set, each call checked.</summary>
    private static async Task LoadAsync(PgWireDataSource dataSource, int callers, Func<bool> stop, Outcomes outcomes)
    {
        await Task.WhenAll(Enumerable.Range(0, callers).Select(caller => Task.Run(async () =>
        {
            for (var i = 0; !stop() && i < 100_000; i++)
            {
                var marker = caller * 100_000 + i;
                var clock = Stopwatch.StartNew();
                try
                {
                    switch (i % 3)
                    {
                        case 0:
                            using (var rows = await dataSource.QueryAsync("SELECT $1::int, g FROM generate_series(1, 20) g", marker))
                            {
                                Assert.Equal(20, rows.Count);
                                for (var r = 0; r < 20; r++)
                                {
                                    Assert.Equal(marker, rows[r].Get<int>(0));
                                    Assert.Equal(r + 1, rows[r].Get<int>(1));
                                }
                            }
                            break;
                        case 1:
                            await using (var reader = await dataSource.QueryStreamingAsync("SELECT $1::int", marker))
                            {
                                Assert.True(await reader.ReadAsync());
                                Assert.Equal(marker, reader.Get<int>(0));
                                Assert.False(await reader.ReadAsync());
                            }
                            break;
                        default:
                            await using (var connection = await dataSource.OpenConnectionAsync())
                            await using (var transaction = await connection.BeginTransactionAsync())
                            {
                                await using var command = new PgWireCommand("SELECT @m::int", connection) { Transaction = transaction, Parameters = { new PgWireParameter("m", marker) } };
                                Assert.Equal(marker, await command.ExecuteScalarAsync());
                                await transaction.CommitAsync();
                            }
                            break;
                    }
                    Interlocked.Increment(ref outcomes.Succeeded);
                }
                catch (PgWireException e)
                {
                    outcomes.Errors.AddOrUpdate(e is PgWireServerException p ? p.SqlState : e.GetType().Name, 1, (_, n) => n + 1);
                    await Task.Delay(5);
                }
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"a call took {clock.Elapsed}");
            }
        })));
    }

    private static async Task AllSucceedAsync(PgWireDataSource dataSource)
    {
        // Once the server is back, nothing fails: not even the first call after the restart (dead idle sessions are
        // found at rent, not by a caller).
        await Task.WhenAll(Enumerable.Range(0, 30).Select(async i =>
        {
            using var rows = await dataSource.QueryAsync("SELECT $1::int", i);
            Assert.Equal(i, rows[0].Get<int>(0));
        }));
    }

    [Theory]
    [InlineData("fast")]
    [InlineData("immediate")]
    public async Task A_server_restart_under_load_fails_calls_clearly_and_the_pool_recovers(string mode)
    {
        await using var dataSource = PgWireDataSource.Create(fixture.Server.ConnectionString + ";Maximum Pool Size=20;Timeout=10;Command Timeout=10");
        var outcomes = new Outcomes();
        var stop = false;
        var load = LoadAsync(dataSource, 50, () => Volatile.Read(ref stop), outcomes);
        await Task.Delay(500);
        await fixture.Server.RestartAsync(mode);
        await Task.Delay(500);
        Volatile.Write(ref stop, true);
        await load.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(outcomes.Succeeded > 50, outcomes.ToString());
        await AllSucceedAsync(dataSource);
    }

    [Fact]
    public async Task Every_backend_terminated_under_load_fails_only_the_calls_in_flight()
    {
        const string name = "restart-terminate";
        await using var dataSource = PgWireDataSource.Create(fixture.Server.ConnectionString + $";Application Name={name};Maximum Pool Size=20;Timeout=10");
        await using var admin = PgWireDataSource.Create(fixture.Server.ConnectionString + ";Pooling=false");
        var outcomes = new Outcomes();
        var stop = false;
        var load = LoadAsync(dataSource, 50, () => Volatile.Read(ref stop), outcomes);
        for (var round = 0; round < 3; round++)
        {
            await Task.Delay(300);
            await admin.ExecuteAsync("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", name);
        }
        await Task.Delay(300);
        Volatile.Write(ref stop, true);
        await load.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(outcomes.Succeeded > 50, outcomes.ToString());
        Assert.All(outcomes.Errors.Keys, key => Assert.Contains(key, new[] { "57P01", nameof(PgWireException) }));
        await AllSucceedAsync(dataSource);
    }

    [Fact]
    public async Task A_server_that_is_down_gives_a_clear_connection_error_and_is_used_again_once_back()
    {
        await using var dataSource = PgWireDataSource.Create(fixture.Server.ConnectionString + ";Maximum Pool Size=5;Timeout=3");
        using (var warm = await dataSource.QueryAsync("SELECT 1")) { }
        await fixture.Server.StopAsync();
        try
        {
            var clock = Stopwatch.StartNew();
            var e = await Assert.ThrowsAnyAsync<PgWireException>(async () => await dataSource.QueryAsync("SELECT 1"));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
            Assert.Contains("connect", e.Message, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            await fixture.Server.StartAgainAsync();
        }
        await AllSucceedAsync(dataSource);
    }

    [Theory]
    [InlineData("primary")]
    [InlineData("prefer-standby")]
    public async Task After_a_restart_the_first_open_for_a_target_gets_a_new_session_not_an_error(string target)
    {
        // A host list of one with a target goes through the host set: its idle sessions die with the server, and the
        // first open after the restart must replace them rather than count the host as failed.
        await using var dataSource = PgWireDataSource.Create(
            fixture.Server.ConnectionString + $";Target Session Attributes={target};Maximum Pool Size=4;Timeout=5");
        var warm = Enumerable.Range(0, 4).Select(_ => dataSource.QueryAsync("SELECT pg_sleep(0.05)").AsTask()).ToArray();
        foreach (var rows in await Task.WhenAll(warm)) rows.Dispose();
        Assert.Equal(4, dataSource.OpenConnectionCount);
        await fixture.Server.RestartAsync("fast");
        using var after = await dataSource.QueryAsync("SELECT pg_is_in_recovery()");
        Assert.False(after[0].Get<bool>(0));
    }
}

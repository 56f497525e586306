using System.Diagnostics;
using Xunit;

namespace PgWire.Tests.Server;

[Collection(ServerCollection.Name)]
public class CancellationTests(ServerFixture fixture)
{
    [Fact]
    public async Task A_cancelled_token_cancels_on_the_server_and_the_pool_stays_usable()
    {
        await using var dataSource = fixture.CreateDataSource("Maximum Pool Size=1");
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var watch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(
            async () => await dataSource.QueryAsync("SELECT pg_sleep(30)", [], cts.Token));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
        var inner = Assert.IsType<PostgresException>(e.InnerException);
        Assert.Equal("57014", inner.SqlState);
        using var rows = await dataSource.QueryAsync("SELECT 3");
        Assert.Equal(3, rows[0].Get<int>(0));
    }

    [Fact]
    public async Task An_already_cancelled_token_sends_nothing()
    {
        await using var dataSource = fixture.CreateDataSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            async () => await dataSource.QueryAsync("SELECT 1", [], new CancellationToken(true)));
    }

    [Fact]
    public async Task Command_Timeout_cancels_with_57014_inside_a_timeout_exception()
    {
        await using var dataSource = fixture.CreateDataSource("Maximum Pool Size=1;Command Timeout=1");
        var watch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<TimeoutException>(async () => await dataSource.ExecuteAsync("SELECT pg_sleep(20)"));
        Assert.InRange(watch.Elapsed.TotalSeconds, 0.9, 6);
        Assert.Equal("57014", Assert.IsType<PostgresException>(e.InnerException).SqlState);
        Assert.Contains("Command Timeout", e.Message);
        using var rows = await dataSource.QueryAsync("SELECT 4");
        Assert.Equal(4, rows[0].Get<int>(0));
    }
}

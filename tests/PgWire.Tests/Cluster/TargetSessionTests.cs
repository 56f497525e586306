using PgWire.Testing;
using Xunit;

namespace PgWire.Tests.Cluster;

/// <summary>Every Target Session Attributes value, load balancing and views by role, against a real primary and two standbys.</summary>
[Collection(ClusterCollection.Name)]
public sealed class TargetSessionTests(ClusterFixture fixture)
{
    private PgTestCluster Cluster => fixture.Cluster;

    /// <summary>The port of the server a session of <paramref name="dataSource"/> runs on, and whether it is in recovery.</summary>
    private static async Task<(int Port, bool Standby)> WhereAsync(PgWireDataSource dataSource)
    {
        using var rows = await dataSource.QueryAsync("SELECT inet_server_port(), pg_is_in_recovery()");
        return (rows[0].Get<int>(0), rows[0].Get<bool>(1));
    }

    [Theory]
    [InlineData("any", "standby")]
    [InlineData("read-write", "primary")]
    [InlineData("primary", "primary")]
    [InlineData("prefer-primary", "primary")]
    [InlineData("read-only", "standby")]
    [InlineData("standby", "standby")]
    [InlineData("prefer-standby", "standby")]
    public async Task Each_target_session_value_reaches_a_server_of_that_role(string target, string expected)
    {
        // The primary listed last, so that only the role check (not the order) brings a primary-only target there.
        var hosts = string.Join(',', Cluster.Standbys.Select(s => s.Endpoint).Append(Cluster.Primary.Endpoint));
        await using var dataSource = PgWireDataSource.Create($"Host={hosts};Username=postgres;Database=postgres;Target Session Attributes={target}");
        for (var i = 0; i < 5; i++)
        {
            var (port, standby) = await WhereAsync(dataSource);
            if (expected == "primary")
            {
                Assert.Equal(Cluster.Primary.Port, port);
                Assert.False(standby);
            }
            else if (target == "any")
            {
                Assert.True(standby);
            }
            else
            {
                Assert.Contains(port, Cluster.Standbys.Select(s => s.Port));
                Assert.True(standby);
            }
        }
    }

    [Fact]
    public async Task Any_takes_the_first_host_that_answers()
    {
        await using var dataSource = PgWireDataSource.Create(Cluster.ConnectionString());
        Assert.Equal((Cluster.Primary.Port, false), await WhereAsync(dataSource));
        await using var standbyFirst = PgWireDataSource.Create(
            $"Host={Cluster.Standbys[1].Endpoint},{Cluster.Primary.Endpoint};Username=postgres;Database=postgres");
        Assert.Equal((Cluster.Standbys[1].Port, true), await WhereAsync(standbyFirst));
    }

    [Fact]
    public async Task Read_write_and_read_only_follow_default_transaction_read_only()
    {
        // A primary whose sessions start read-only is read-only, though it is a primary.
        var readOnlyPrimary = $"Host={Cluster.Primary.Endpoint};Username=postgres;Database=postgres;Options=-c default_transaction_read_only=on";
        await using (var readOnly = PgWireDataSource.Create(readOnlyPrimary + ";Target Session Attributes=read-only"))
            Assert.Equal((Cluster.Primary.Port, false), await WhereAsync(readOnly));
        await using (var primary = PgWireDataSource.Create(readOnlyPrimary + ";Target Session Attributes=primary"))
            Assert.Equal((Cluster.Primary.Port, false), await WhereAsync(primary));
        await using var readWrite = PgWireDataSource.Create(readOnlyPrimary + ";Target Session Attributes=read-write");
        var e = await Assert.ThrowsAsync<PgWireException>(() => WhereAsync(readWrite));
        Assert.Contains("No host fits Target Session Attributes=read-write", e.Message, StringComparison.Ordinal);
        Assert.Contains("default_transaction_read_only on", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_target_no_host_fits_fails_with_what_each_host_is_and_prefer_falls_back()
    {
        await using var standbysOnly = PgWireDataSource.Create(
            $"Host={string.Join(',', Cluster.Standbys.Select(s => s.Endpoint))},127.0.0.1:1;Username=postgres;Database=postgres;Target Session Attributes=primary;Timeout=2");
        var e = await Assert.ThrowsAsync<PgWireException>(() => WhereAsync(standbysOnly));
        Assert.Contains($"{Cluster.Standbys[0].Endpoint}: a standby", e.Message, StringComparison.Ordinal);
        Assert.Contains($"{Cluster.Standbys[1].Endpoint}: a standby", e.Message, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1:1: down", e.Message, StringComparison.Ordinal);

        await using var preferPrimary = PgWireDataSource.Create(
            $"Host=127.0.0.1:1,{Cluster.Standbys[0].Endpoint};Username=postgres;Database=postgres;Target Session Attributes=prefer-primary;Timeout=2");
        Assert.Equal((Cluster.Standbys[0].Port, true), await WhereAsync(preferPrimary));
        await using var preferStandby = PgWireDataSource.Create(
            $"Host={Cluster.Primary.Endpoint};Username=postgres;Database=postgres;Target Session Attributes=prefer-standby");
        Assert.Equal((Cluster.Primary.Port, false), await WhereAsync(preferStandby));
    }

    [Fact]
    public async Task Load_balancing_spreads_a_thousand_opens_over_both_standbys()
    {
        await using var dataSource = PgWireDataSource.Create(Cluster.ConnectionString("Load Balance Hosts=true"));
        var standbys = dataSource.WithTargetSession(TargetSession.Standby);
        var counts = new Dictionary<int, int>();
        for (var i = 0; i < 1000; i++)
        {
            await using var connection = await standbys.OpenConnectionAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT inet_server_port()";
            var port = (int)(await command.ExecuteScalarAsync())!;
            counts[port] = counts.GetValueOrDefault(port) + 1;
        }
        Assert.Equal(Cluster.Standbys.Select(s => s.Port).Order(), counts.Keys.Order());
        foreach (var (port, count) in counts) Assert.True(count >= 300, $"Standby on port {port} got {count} of 1000 opens.");
    }

    [Fact]
    public async Task A_span_names_the_host_the_command_ran_on()
    {
        using var spans = new PgWire.Tests.Observability.SpanCollector("span_host_marker");
        await using var dataSource = PgWireDataSource.Create(Cluster.ConnectionString("Target Session Attributes=standby"));
        using (await dataSource.QueryAsync("SELECT 1 AS span_host_marker")) { }
        var span = Assert.Single(spans.Spans);
        Assert.Equal("127.0.0.1", span.GetTagItem("server.address"));
        Assert.Equal(Cluster.Standbys[0].Port, span.GetTagItem("server.port"));
    }

    [Fact]
    public async Task Without_load_balancing_the_listed_order_decides()
    {
        await using var dataSource = PgWireDataSource.Create(Cluster.ConnectionString("Target Session Attributes=standby"));
        for (var i = 0; i < 20; i++) Assert.Equal((Cluster.Standbys[0].Port, true), await WhereAsync(dataSource));
    }

    [Fact]
    public async Task Views_by_role_share_the_pools_and_route_reads_and_writes()
    {
        await using var dataSource = PgWireDataSource.Create(Cluster.ConnectionString("Load Balance Hosts=true"));
        var primary = dataSource.WithTargetSession(TargetSession.Primary);
        var replicas = dataSource.WithTargetSession(TargetSession.Standby);
        Assert.Equal(TargetSession.Standby, replicas.TargetSession);
        Assert.Contains("Target Session Attributes=standby", replicas.ConnectionString, StringComparison.Ordinal);

        var id = Random.Shared.Next(1_000_000, int.MaxValue);
        await primary.ExecuteAsync("INSERT INTO replicated VALUES ($1, 'written on the primary')", id);
        // A write is visible on a standby once it has replayed the primary's WAL up to the write (the insert position:
        // with synchronous_commit off the commit record may still be in the WAL buffers, past pg_current_wal_lsn).
        using (var lsn = await primary.QueryAsync("SELECT pg_current_wal_insert_lsn()::text"))
        {
            var written = lsn[0].Get<string>(0);
            foreach (var standby in Cluster.Standbys)
            {
                await using var one = PgWireDataSource.Create(standby.ConnectionString);
                var clock = System.Diagnostics.Stopwatch.StartNew();
                while (true)
                {
                    using var caughtUp = await one.QueryAsync("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn", written);
                    if (caughtUp[0].Get<bool>(0)) break;
                    Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"{standby} did not replay up to {written} within 10 s.");
                    await Task.Delay(20);
                }
            }
        }
        for (var i = 0; i < 10; i++)
        {
            using var read = await replicas.QueryAsync("SELECT note, pg_is_in_recovery() FROM replicated WHERE id = $1", id);
            Assert.Equal("written on the primary", read[0].Get<string>(0));
            Assert.True(read[0].Get<bool>(1));
        }
        var e = await Assert.ThrowsAsync<PgWireServerException>(() => replicas.ExecuteAsync("INSERT INTO replicated VALUES ($1, 'no')", id + 1).AsTask());
        Assert.Equal("25006", e.SqlState); // read_only_sql_transaction

        // One set of pools: the views' connections are the data source's.
        Assert.True(dataSource.OpenConnectionCount >= 2);
        Assert.Equal(dataSource.OpenConnectionCount, replicas.OpenConnectionCount);
        await replicas.DisposeAsync(); // a view's dispose leaves the pools open
        using var still = await primary.QueryAsync("SELECT 1");
        Assert.Equal(1, still[0].Get<int>(0));
    }
}

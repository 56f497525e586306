using System.Diagnostics;
using PgWire.Testing;
using PgWire.Tests.Server;
using Xunit;

namespace PgWire.Tests.Faults;

/// <summary>
/// Connections cut by a proxy at every byte of startup and authentication, inside row streams, pipelines, COPY in
/// and out, and multiplexed sessions. Every case is a clear exception within a bound, never a result that is
/// incomplete or wrong, COPY is all or nothing, and the pool works afterwards.
/// </summary>
[Collection(ServerCollection.Name)]
public class FaultInjectionTests(ServerFixture fixture)
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(4);

    /// <summary>The exception a cut connection may surface as: PgWire's own (a PgWireServerException when the server said why).</summary>
    private static void AssertCutException(Exception? e, string what)
    {
        Assert.True(e is PgWireException, $"{what}: expected a PgWireException, got {e?.GetType().Name ?? "no exception"}: {e}");
    }

    private static async Task<Exception?> Bounded(Func<Task> act, string what)
    {
        var clock = Stopwatch.StartNew();
        var e = await Record.ExceptionAsync(act);
        Assert.True(clock.Elapsed < s_bound, $"{what}: took {clock.Elapsed}");
        return e;
    }

    [Theory]
    [InlineData("trust")]
    [InlineData("password")]
    [InlineData("md5")]
    [InlineData("scram-sha-256")]
    public async Task A_cut_at_every_byte_of_startup_and_authentication_is_a_clear_error(string method)
    {
        await using var proxy = PgFaultProxy.Start(fixture.Server);
        var connectionString = proxy.Through(fixture.Server.ConnectionStringFor(method)) + ";SSL Mode=Disable;Pooling=false;Timeout=3";
        await using var dataSource = PgWireDataSource.Create(connectionString);
        // The catalog is loaded once, on the first connection; the startup of later connections is measured clean.
        await using (var warm = await dataSource.OpenConnectionAsync()) { }
        await using (var clean = await dataSource.OpenConnectionAsync()) { }
        var (up, down) = proxy.BytesOf(proxy.ConnectionCount - 1);
        Assert.InRange(down, 100, 4000);

        foreach (var (direction, total) in new[] { ("down", down), ("up", up) })
        {
            for (var at = 0L; at < total; at++)
            {
                proxy.Plan = direction == "down" ? new FaultPlan { CutServerToClientAfter = at } : new FaultPlan { CutClientToServerAfter = at };
                var e = await Bounded(async () =>
                {
                    await using var connection = await dataSource.OpenConnectionAsync();
                    // A cut after the last startup byte the client needs shows at the first command instead.
                    Assert.Equal(1, await new PgWireCommand("SELECT 1", connection).ExecuteScalarAsync());
                }, $"{method}, cut {direction} after {at} bytes");
                // The client sends its Terminate last: cutting just before it loses nothing the client waits for.
                if (direction == "up" && e is null) continue;
                AssertCutException(e, $"{method}, cut {direction} after {at} bytes");
            }
        }
        proxy.Plan = null;
        await using var after = await dataSource.OpenConnectionAsync();
        Assert.Equal(1, await new PgWireCommand("SELECT 1", after).ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_cut_inside_the_TLS_handshake_and_encrypted_startup_is_a_clear_error()
    {
        await using var proxy = PgFaultProxy.Start(fixture.Server);
        var connectionString = proxy.Through(fixture.Server.ConnectionStringFor("scram-sha-256")) + ";SSL Mode=Require;Pooling=false;Timeout=3";
        await using var dataSource = PgWireDataSource.Create(connectionString);
        await using (var warm = await dataSource.OpenConnectionAsync()) Assert.True(warm.IsSecure);
        await using (var clean = await dataSource.OpenConnectionAsync()) { }
        var (up, down) = proxy.BytesOf(proxy.ConnectionCount - 1);
        for (var at = 0L; at < down; at += 7)
        {
            proxy.Plan = new FaultPlan { CutServerToClientAfter = at };
            var e = await Bounded(async () =>
            {
                await using var connection = await dataSource.OpenConnectionAsync();
                Assert.Equal(1, await new PgWireCommand("SELECT 1", connection).ExecuteScalarAsync());
            }, $"TLS, cut down after {at}");
            AssertCutException(e, $"TLS, cut down after {at}");
        }
        for (var at = 0L; at < up; at += 5)
        {
            proxy.Plan = new FaultPlan { CutClientToServerAfter = at };
            var e = await Bounded(async () =>
            {
                await using var connection = await dataSource.OpenConnectionAsync();
                Assert.Equal(1, await new PgWireCommand("SELECT 1", connection).ExecuteScalarAsync());
            }, $"TLS, cut up after {at}");
            if (e is not null) AssertCutException(e, $"TLS, cut up after {at}");
        }
    }

    /// <summary>Cut offsets into a response of <paramref name="length"/> bytes: the first bytes one by one, then spread.</summary>
    private static IEnumerable<long> Offsets(long length)
    {
        for (var at = 0L; at < Math.Min(64, length); at++) yield return at;
        for (var at = 64L; at < length; at += Math.Max(1, length / 40)) yield return at;
        yield return length - 1;
    }

    private const string RowsSql = "SELECT g, 'row ' || g FROM generate_series(1, 3000) g";

    /// <summary>Measures the bytes the server sends on a fresh connection that runs <paramref name="act"/>, and those of startup alone.</summary>
    private static async Task<(long Startup, long Total)> MeasureAsync(PgFaultProxy proxy, PgWireDataSource dataSource, Func<PgWireDataSource, Task> act)
    {
        proxy.Plan = null;
        await using (var warm = await dataSource.OpenConnectionAsync()) { }
        await using (var startupOnly = await dataSource.OpenConnectionAsync()) { }
        var startup = proxy.BytesOf(proxy.ConnectionCount - 1).ServerToClient;
        await act(dataSource);
        var total = proxy.BytesOf(proxy.ConnectionCount - 1).ServerToClient;
        return (startup, total);
    }

    [Theory]
    [InlineData("buffered")]
    [InlineData("streaming")]
    [InlineData("ado.net")]
    [InlineData("pipeline")]
    [InlineData("multiplexed")]
    public async Task A_cut_inside_a_result_is_an_error_and_never_a_partial_result(string path)
    {
        await using var proxy = PgFaultProxy.Start(fixture.Server);
        var extra = path == "multiplexed" ? ";Multiplexing=true" : "";
        await using var dataSource = PgWireDataSource.Create(proxy.Through(fixture.ConnectionString) + ";SSL Mode=Disable;Pooling=false;Timeout=3" + extra);
        var received = new List<int>();
        Func<PgWireDataSource, Task> act = path switch
        {
            "buffered" or "multiplexed" => async d =>
            {
                using var rows = await d.QueryAsync(RowsSql + " WHERE $1", true);
                Assert.Equal(3000, rows.Count);
                for (var i = 0; i < rows.Count; i++) Assert.Equal($"row {rows[i].Get<int>(0)}", rows[i].Get<string>(1));
            },
            "streaming" => async d =>
            {
                received.Clear();
                await using var reader = await d.QueryStreamingAsync(RowsSql);
                while (await reader.ReadAsync())
                {
                    // Whatever arrives before the cut is right, and in order.
                    Assert.Equal(received.Count + 1, reader.Get<int>(0));
                    Assert.Equal($"row {received.Count + 1}", reader.Get<string>(1));
                    received.Add(reader.Get<int>(0));
                }
                Assert.Equal(3000, received.Count);
            },
            "ado.net" => async d =>
            {
                received.Clear();
                await using var connection = await d.OpenConnectionAsync();
                await using var command = new PgWireCommand(RowsSql, connection);
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    Assert.Equal(received.Count + 1, reader.GetInt32(0));
                    received.Add(reader.GetInt32(0));
                }
                Assert.Equal(3000, received.Count);
            },
            "pipeline" => async d =>
            {
                using var results = await d.PipelineAsync("SELECT g FROM generate_series(1, $1) g", [[500], [1000], [1500]]);
                Assert.Equal([500, 1000, 1500], Enumerable.Range(0, 3).Select(i => results[i].Count));
                Assert.Equal(1500, results[2][1499].Get<int>(0));
            },
            _ => throw new ArgumentOutOfRangeException(nameof(path)),
        };
        var (startup, total) = await MeasureAsync(proxy, dataSource, act);
        Assert.True(total > startup + 1000, $"the response should be long: {total - startup} bytes");
        foreach (var at in Offsets(total - startup))
        {
            proxy.Plan = new FaultPlan { CutServerToClientAfter = startup + at };
            var e = await Bounded(() => act(dataSource), $"{path}, cut after {at} response bytes");
            AssertCutException(e, $"{path}, cut after {at} response bytes");
        }
        proxy.Plan = null;
        await act(dataSource);
    }

    [Fact]
    public async Task A_cut_during_COPY_in_leaves_the_table_untouched()
    {
        await using var proxy = PgFaultProxy.Start(fixture.Server);
        await using var dataSource = PgWireDataSource.Create(proxy.Through(fixture.ConnectionString) + ";SSL Mode=Disable;Pooling=false;Timeout=3");
        await dataSource.ExecuteAsync("DROP TABLE IF EXISTS fault_copy_in; CREATE TABLE fault_copy_in (id int, note text)");
        var rows = Enumerable.Range(1, 20_000).Select(i => (i, "note " + i)).ToList();
        Func<PgWireDataSource, Task> import = async d =>
        {
            await using var connection = await d.OpenConnectionAsync();
            await connection.BulkInsertAsync("fault_copy_in", ["id", "note"], rows);
        };
        proxy.Plan = null;
        await using (var warm = await dataSource.OpenConnectionAsync()) { }
        await using (var startupOnly = await dataSource.OpenConnectionAsync()) { }
        var startupUp = proxy.BytesOf(proxy.ConnectionCount - 1).ClientToServer;
        await import(dataSource);
        var totalUp = proxy.BytesOf(proxy.ConnectionCount - 1).ClientToServer;
        await dataSource.ExecuteAsync("TRUNCATE fault_copy_in");
        foreach (var at in Offsets(totalUp - startupUp))
        {
            proxy.Plan = new FaultPlan { CutClientToServerAfter = startupUp + at };
            var e = await Bounded(() => import(dataSource), $"COPY in, cut after {at} bytes");
            // The cut may land on the Terminate sent after the COPY completed: then it all went in.
            proxy.Plan = null;
            using var count = await dataSource.QueryAsync("SELECT count(*)::int FROM fault_copy_in");
            if (e is null)
            {
                Assert.Equal(20_000, count[0].Get<int>(0));
                await dataSource.ExecuteAsync("TRUNCATE fault_copy_in");
                continue;
            }
            AssertCutException(e, $"COPY in, cut after {at} bytes");
            Assert.Equal(0, count[0].Get<int>(0)); // all or nothing
        }
    }

    [Fact]
    public async Task A_cut_during_COPY_out_is_an_error_after_a_correct_prefix()
    {
        await using var proxy = PgFaultProxy.Start(fixture.Server);
        await using var dataSource = PgWireDataSource.Create(proxy.Through(fixture.ConnectionString) + ";SSL Mode=Disable;Pooling=false;Timeout=3");
        Func<PgWireDataSource, Task> export = async d =>
        {
            await using var connection = await d.OpenConnectionAsync();
            await using var exporter = await connection.BeginBinaryExportAsync("COPY (SELECT g, 'row ' || g FROM generate_series(1, 5000) g) TO STDOUT (FORMAT BINARY)");
            var n = 0;
            while (await exporter.StartRowAsync() != -1)
            {
                n++;
                Assert.Equal(n, exporter.Read<int>());
                Assert.Equal($"row {n}", exporter.Read<string>());
            }
            Assert.Equal(5000, n);
        };
        var (startup, total) = await MeasureAsync(proxy, dataSource, export);
        foreach (var at in Offsets(total - startup))
        {
            proxy.Plan = new FaultPlan { CutServerToClientAfter = startup + at };
            var e = await Bounded(() => export(dataSource), $"COPY out, cut after {at} bytes");
            AssertCutException(e, $"COPY out, cut after {at} bytes");
        }
    }

    [Fact]
    public async Task Multiplexed_callers_on_a_dropped_connection_all_fail_clearly_and_the_next_ones_succeed()
    {
        await using var proxy = PgFaultProxy.Start(fixture.Server);
        await using var dataSource = PgWireDataSource.Create(proxy.Through(fixture.ConnectionString) + ";SSL Mode=Disable;Multiplexing=true;Maximum Pool Size=2;Timeout=3");
        using (var warm = await dataSource.QueryAsync("SELECT $1::int", 1)) { }
        for (var round = 0; round < 5; round++)
        {
            var callers = Enumerable.Range(0, 40).Select(async i =>
            {
                try
                {
                    using var rows = await dataSource.QueryAsync("SELECT $1::int, pg_sleep(0.05)", i);
                    Assert.Equal(i, rows[0].Get<int>(0)); // an answer is always the caller's own
                    return true;
                }
                catch (PgWireException)
                {
                    return false;
                }
            }).ToList();
            await Task.Delay(30);
            proxy.DropAll();
            var outcomes = await Task.WhenAll(callers).WaitAsync(s_bound);
            Assert.Contains(false, outcomes);
        }
        using var after = await dataSource.QueryAsync("SELECT $1::int", 42);
        Assert.Equal(42, after[0].Get<int>(0));
    }

    [Fact]
    public async Task Idle_connections_closed_without_a_word_are_never_handed_to_a_caller()
    {
        // A network cut or a killed backend: the idle sessions see their socket close, with no FATAL message first.
        await using var proxy = PgFaultProxy.Start(fixture.Server);
        await using var dataSource = PgWireDataSource.Create(proxy.Through(fixture.ConnectionString) + ";SSL Mode=Disable;Maximum Pool Size=3;Timeout=3");
        await Task.WhenAll(Enumerable.Range(0, 3).Select(async _ => { using var r = await dataSource.QueryAsync("SELECT pg_sleep(0.1)"); }));
        Assert.Equal(3, dataSource.OpenConnectionCount);
        var before = proxy.ConnectionCount;
        proxy.DropAll();
        for (var i = 0; i < 6; i++)
        {
            using var rows = await dataSource.QueryAsync("SELECT $1::int", i);
            Assert.Equal(i, rows[0].Get<int>(0));
        }
        Assert.True(proxy.ConnectionCount > before); // new sessions replaced the dead ones
    }

    [Fact]
    public async Task A_server_that_stops_answering_times_out_within_Command_Timeout_plus_the_cancellation_grace()
    {
        await using var proxy = PgFaultProxy.Start(fixture.Server);
        await using var dataSource = PgWireDataSource.Create(proxy.Through(fixture.ConnectionString) + ";SSL Mode=Disable;Pooling=false;Command Timeout=1;Cancellation Timeout=500");
        var (startup, _) = await MeasureAsync(proxy, dataSource, _ => Task.CompletedTask);
        proxy.Plan = new FaultPlan { PauseServerToClientAfter = startup };
        try
        {
            var clock = Stopwatch.StartNew();
            var e = await Assert.ThrowsAsync<TimeoutException>(async () =>
            {
                await using var connection = await dataSource.OpenConnectionAsync();
                await new PgWireCommand("SELECT 1", connection).ExecuteScalarAsync();
            });
            Assert.InRange(clock.Elapsed.TotalSeconds, 0.9, 4); // Command Timeout 1 s + Cancellation Timeout 0.5 s
            Assert.Contains("did not answer the cancellation within 0.5 s", e.Message);
        }
        finally
        {
            proxy.ResumeAll();
            proxy.Plan = null;
        }
        using var after = await dataSource.QueryAsync("SELECT 5");
        Assert.Equal(5, after[0].Get<int>(0));
    }
}

using System.Collections.Concurrent;
using System.Text;
using PgWire.Tests.Fakes;
using Xunit;

namespace PgWire.Tests.Server;

/// <summary>LISTEN/NOTIFY: the connection's Notification event and Wait, and the data source's ListenAsync.</summary>
[Collection(ServerCollection.Name)]
public class NotificationTests(ServerFixture fixture)
{
    private static string NewChannel() => "ch_" + Guid.NewGuid().ToString("N")[..10];

    private async Task NotifyAsync(string channel, string payload)
    {
        await using var sender = fixture.CreateDataSource();
        await sender.ExecuteAsync("SELECT pg_notify($1, $2)", channel, payload);
    }

    /// <summary>LISTENs on <paramref name="connection"/> and collects what its Notification event raises.</summary>
    private static async Task<ConcurrentQueue<PgNotificationEventArgs>> ListenAsync(PgWireConnection connection, string channel)
    {
        var received = new ConcurrentQueue<PgNotificationEventArgs>();
        connection.Notification += (_, e) => received.Enqueue(e);
        await new PgWireCommand($"LISTEN {channel}", connection).ExecuteNonQueryAsync();
        return received;
    }

    [Fact]
    public async Task A_notification_sent_while_a_command_runs_is_raised_during_that_command()
    {
        var channel = NewChannel();
        await using var dataSource = fixture.CreateDataSource();
        await using var connection = await dataSource.OpenConnectionAsync();
        var received = await ListenAsync(connection, channel);

        var running = new PgWireCommand("SELECT pg_sleep(0.5), 'long-command-under-notify'", connection).ExecuteScalarAsync();
        await fixture.WaitUntilRunningAsync("'long-command-under-notify'");
        await NotifyAsync(channel, "during");
        await running;
        // The backend sends it as the command's transaction ends, before ReadyForQuery: raised before the call returned.
        var e = Assert.Single(received);
        Assert.Equal((channel, "during"), (e.Channel, e.Payload));
        Assert.True(e.ProcessId > 0 && e.ProcessId != connection.Connector.ProcessId);
    }

    [Fact]
    public async Task Wait_returns_the_next_notification_on_an_idle_connection_and_times_out_without_harm()
    {
        var channel = NewChannel();
        await using var dataSource = fixture.CreateDataSource();
        await using var connection = await dataSource.OpenConnectionAsync();
        var received = await ListenAsync(connection, channel);

        Assert.False(await connection.WaitAsync(TimeSpan.FromMilliseconds(200)));
        Assert.Equal(1, await new PgWireCommand("SELECT 1", connection).ExecuteScalarAsync()); // usable after a timeout
        Assert.False(await connection.WaitAsync(TimeSpan.FromMilliseconds(100)));

        var waiting = connection.WaitAsync(TimeSpan.FromSeconds(10));
        await NotifyAsync(channel, "idle");
        Assert.True(await waiting);
        Assert.Equal("idle", Assert.Single(received).Payload);

        // Sent while nobody waits: raised by the next wait, which returns at once.
        await NotifyAsync(channel, "queued");
        await Task.Delay(100);
        Assert.True(connection.Wait(TimeSpan.FromSeconds(10)));
        Assert.Equal(["idle", "queued"], received.Select(r => r.Payload));

        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(150));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connection.WaitAsync(cts.Token));
        Assert.Equal(2, await new PgWireCommand("SELECT 2", connection).ExecuteScalarAsync());
    }

    [Fact]
    public async Task Closing_after_a_timed_out_wait_ends_the_read_it_left_running()
    {
        await using var dataSource = fixture.CreateDataSource("Pooling=false");
        for (var i = 0; i < 5; i++)
        {
            var connection = await dataSource.OpenConnectionAsync();
            await ListenAsync(connection, NewChannel());
            Assert.False(await connection.WaitAsync(TimeSpan.FromMilliseconds(50)));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await connection.DisposeAsync(); // not pooled: the session is closed with the wait's read still pending
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"closing took {clock.Elapsed}");
        }
        await using var after = await dataSource.OpenConnectionAsync();
        Assert.Equal(1, await new PgWireCommand("SELECT 1", after).ExecuteScalarAsync());
    }

    [Fact]
    public async Task Many_channels_and_the_largest_payloads_in_any_script_arrive_intact()
    {
        var channels = Enumerable.Range(0, 20).Select(_ => NewChannel()).ToArray();
        await using var dataSource = fixture.CreateDataSource();
        await using var connection = await dataSource.OpenConnectionAsync();
        var received = new ConcurrentQueue<PgNotificationEventArgs>();
        connection.Notification += (_, e) => received.Enqueue(e);
        await new PgWireCommand(string.Join("; ", channels.Select(c => $"LISTEN {c}")), connection).ExecuteNonQueryAsync();

        // The server's limit is 8000 bytes (less one): 7999 bytes of UTF-8, two-byte letters and a four-byte emoji included.
        var largest = new string('é', 3996) + "\ud83d\ude00" + "ab" + "c";
        Assert.Equal(7999, Encoding.UTF8.GetByteCount(largest));
        await using (var sender = fixture.CreateDataSource())
        {
            foreach (var channel in channels) await sender.ExecuteAsync("SELECT pg_notify($1, $2)", channel, channel + " ключ 中文");
            await sender.ExecuteAsync("SELECT pg_notify($1, $2)", channels[0], largest);
            var tooLong = await Assert.ThrowsAsync<PgWireServerException>(async () => await sender.ExecuteAsync("SELECT pg_notify($1, $2)", channels[0], largest + "d"));
            Assert.Equal("22023", tooLong.SqlState);
        }
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (received.Count < 21 && DateTime.UtcNow < deadline) await connection.WaitAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(channels.Select(c => (c, c + " ключ 中文")).Append((channels[0], largest)), received.Select(r => (r.Channel, r.Payload)));
    }

    [Fact]
    public async Task A_pooled_connection_that_listened_is_unlistened_before_the_next_caller_gets_it()
    {
        var channel = NewChannel();
        await using var dataSource = fixture.CreateDataSource("Maximum Pool Size=1");
        int pid;
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            pid = connection.Connector.ProcessId;
            await new PgWireCommand($"LISTEN {channel}", connection).ExecuteNonQueryAsync();
            Assert.Equal(1L, await new PgWireCommand("SELECT count(*) FROM pg_listening_channels()", connection).ExecuteScalarAsync());
        }
        await using (var again = await dataSource.OpenConnectionAsync())
        {
            Assert.Equal(pid, again.Connector.ProcessId); // the same session...
            Assert.Equal(0L, await new PgWireCommand("SELECT count(*) FROM pg_listening_channels()", again).ExecuteScalarAsync()); // ...listening to nothing
            var seen = new List<string>();
            again.Notification += (_, e) => seen.Add(e.Channel);
            await NotifyAsync(channel, "for nobody");
            Assert.False(await again.WaitAsync(TimeSpan.FromMilliseconds(300)));
            Assert.Empty(seen);
        }
    }

    [Fact]
    public async Task ListenAsync_yields_a_burst_of_ten_thousand_without_loss_and_ends_cleanly_on_cancellation()
    {
        var (channel, other) = (NewChannel(), NewChannel());
        await using var dataSource = fixture.CreateDataSource("Maximum Pool Size=1");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var payloads = new List<string>();
        var listening = Task.Run(async () =>
        {
            await foreach (var notification in dataSource.ListenAsync([channel, other], cts.Token))
            {
                Assert.False(notification.IsGap);
                Assert.Equal(channel, notification.Channel);
                payloads.Add(notification.Payload);
                if (payloads.Count == 10_000) cts.Cancel();
            }
        });
        await WaitUntilListeningAsync(other); // the last of its LISTENs
        // One transaction: delivered together at its commit, in order.
        await using (var sender = fixture.CreateDataSource())
            await sender.ExecuteAsync("SELECT pg_notify($1, g::text) FROM generate_series(1, 10000) g", channel);
        await listening; // ends without an exception once cancelled
        Assert.Equal(Enumerable.Range(1, 10_000).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), payloads);
        // Its connection went back to the pool (the only one) listening to nothing.
        await using var connection = await dataSource.OpenConnectionAsync();
        Assert.Equal(0L, await new PgWireCommand("SELECT count(*) FROM pg_listening_channels()", connection).ExecuteScalarAsync());
    }

    [Fact]
    public async Task ListenAsync_throws_the_first_connection_s_failure()
    {
        await using var dataSource = PgWireDataSource.Create(fixture.Server.ConnectionStringFor("scram-sha-256", "wrong password"));
        var e = await Assert.ThrowsAsync<PgWireServerException>(async () =>
        {
            await foreach (var _ in dataSource.ListenAsync("never")) { }
        });
        Assert.Equal("28P01", e.SqlState);
    }

    [Fact]
    public async Task ListenAsync_cancelled_before_it_listens_ends_without_an_exception()
    {
        await using var dataSource = fixture.CreateDataSource();
        var items = 0;
        await foreach (var _ in dataSource.ListenAsync("never_listened", new CancellationToken(true))) items++;
        Assert.Equal(0, items);
    }

    /// <summary>Waits until a session of the server shows LISTEN on <paramref name="channel"/> as its last statement.</summary>
    private async Task WaitUntilListeningAsync(string channel)
    {
        await using var admin = fixture.CreateDataSource("Pooling=false");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            using var rows = await admin.QueryAsync("SELECT count(*)::int FROM pg_stat_activity WHERE state = 'idle' AND strpos(query, $1) > 0", $"LISTEN \"{channel}\"");
            if (rows[0].Get<int>(0) > 0) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Nobody started listening to {channel}.");
            await Task.Delay(10);
        }
    }
}

/// <summary>Keepalive while waiting for notifications, against a fake server that answers its empty queries, or not.</summary>
public class NotificationKeepaliveTests
{
    [Fact]
    public async Task A_wait_runs_an_empty_query_every_Keepalive_seconds_and_a_silent_server_breaks_the_connection()
    {
        var emptyQueries = 0;
        var silent = false;
        await using var server = FakePgServer.Start(async session =>
        {
            await session.SendLoginOkAsync();
            await session.ServeEmptyCatalogAsync();
            while (true)
            {
                var request = await session.ReadRequestAsync();
                if (request[^1].Type != 'Q') return;
                Interlocked.Increment(ref emptyQueries);
                if (Volatile.Read(ref silent)) { await session.HoldAsync(TimeSpan.FromSeconds(10)); return; } // gone quiet
                await session.SendAsync(FakeSession.Frame('I'), FakeSession.Frame('Z', (byte)'I'));
            }
        });
        await using var dataSource = PgWireDataSource.Create(server.ConnectionString("Keepalive=1"));
        await using var connection = await dataSource.OpenConnectionAsync();
        Assert.False(await connection.WaitAsync(TimeSpan.FromSeconds(2.5)));
        Assert.InRange(Volatile.Read(ref emptyQueries), 1, 2); // one a second, answered: the wait goes on
        Volatile.Write(ref silent, true);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<PgWireException>(() => connection.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("did not answer the keepalive query within 1 s", e.Message);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(8));
        Assert.Equal(System.Data.ConnectionState.Broken, connection.State);
    }

}

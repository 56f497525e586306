using System.Collections.Concurrent;
using Xunit;

namespace PgWire.Tests.Faults;

/// <summary>
/// ListenAsync across a server restart: the listener reconnects, LISTENs again, and reports the gap (what was sent
/// while it was away is lost) as one item before the notifications that follow.
/// </summary>
public class ListenRestartTests(RestartableServerFixture fixture) : IClassFixture<RestartableServerFixture>
{
    [Fact]
    public async Task A_listener_resumes_after_a_server_restart_and_reports_the_gap_once()
    {
        const string channel = "restart_channel";
        await using var dataSource = PgWireDataSource.Create(fixture.Server.ConnectionString + ";Timeout=5");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var items = new ConcurrentQueue<PgNotification>();
        var listening = Task.Run(async () =>
        {
            await foreach (var item in dataSource.ListenAsync(channel, cts.Token)) items.Enqueue(item);
        });

        await NotifyUntilReceivedAsync(dataSource, channel, "before", items);
        await fixture.Server.RestartAsync("fast");
        // Sent until one arrives: those sent before the listener listens again are lost, which is what the gap says.
        await NotifyUntilReceivedAsync(dataSource, channel, "after", items);
        cts.Cancel();
        await listening;

        var seen = items.ToArray();
        Assert.StartsWith("before", seen[0].Payload);
        var gap = Assert.Single(seen, i => i.IsGap);
        Assert.IsAssignableFrom<PgWireException>(gap.GapCause);
        var gapAt = Array.IndexOf(seen, gap);
        Assert.All(seen[..gapAt], i => Assert.StartsWith("before", i.Payload));
        Assert.NotEmpty(seen[(gapAt + 1)..]);
        Assert.All(seen[(gapAt + 1)..], i => Assert.StartsWith("after", i.Payload));
    }

    private static async Task NotifyUntilReceivedAsync(PgWireDataSource dataSource, string channel, string payload, ConcurrentQueue<PgNotification> items)
    {
        var deadline = DateTime.UtcNow.AddSeconds(45);
        while (!items.Any(i => i.Payload.StartsWith(payload, StringComparison.Ordinal)))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"No '{payload}' notification arrived; got {items.Count} items.");
            try
            {
                await dataSource.ExecuteAsync("SELECT pg_notify($1, $2)", channel, payload + " " + DateTime.UtcNow.Ticks);
            }
            catch (PgWireException)
            {
                // The server is still restarting.
            }
            await Task.Delay(200);
        }
    }
}

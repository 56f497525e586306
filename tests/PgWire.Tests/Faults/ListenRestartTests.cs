using System.Collections.Concurrent;
using Xunit;

namespace PgWire.Tests.Faults;

/// <summary>
/// ListenAsync across a server restart: the listener reconnects, LISTENs again, and reports the gap (what was sent
/// while it was away is lost) as an item per lost connection, before the notifications that follow.
/// </summary>
public class ListenRestartTests(RestartableServerFixture fixture) : IClassFixture<RestartableServerFixture>
{
    [Fact]
    public async Task A_listener_resumes_after_a_server_restart_and_reports_the_gap()
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

        // One gap per connection lost: usually one; two when the replacement was a pooled session the restart ended a
        // moment later. Every notification before the gaps was sent before the restart, every one after, after it.
        var seen = items.ToArray();
        Assert.StartsWith("before", seen[0].Payload);
        var firstGap = Array.FindIndex(seen, i => i.IsGap);
        var lastGap = Array.FindLastIndex(seen, i => i.IsGap);
        Assert.True(firstGap > 0, string.Join(", ", seen.Select(i => i.ToString())));
        Assert.All(seen[firstGap..(lastGap + 1)], i => Assert.IsAssignableFrom<PgWireException>(Assert.IsType<PgNotification>(i).GapCause));
        Assert.All(seen[..firstGap], i => Assert.StartsWith("before", i.Payload));
        Assert.NotEmpty(seen[(lastGap + 1)..]);
        Assert.All(seen[(lastGap + 1)..], i => Assert.StartsWith("after", i.Payload));
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

using System.Diagnostics;
using PgWire.Testing;
using PgWire.Tests.Server;
using Xunit;

namespace PgWire.Tests.Faults;

/// <summary>The proxy's fixed latency (the benchmarks' latency mode): a round trip takes twice the one-way delay more, and chunks in flight overlap.</summary>
[Collection(ServerCollection.Name)]
public sealed class LatencyProxyTests(ServerFixture fixture)
{
    private static async Task<double> MedianRoundTripAsync(PgWireDataSource dataSource)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1";
        await command.ExecuteScalarAsync();
        var times = new double[31];
        for (var i = 0; i < times.Length; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await command.ExecuteScalarAsync();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(times);
        return times[times.Length / 2];
    }

    [Fact]
    public async Task A_latency_adds_its_delay_each_way_and_does_not_serialise_connections()
    {
        await using var proxy = PgFaultProxy.Start(fixture.Server);
        await using var direct = PgWireDataSource.Create(proxy.Through(fixture.ConnectionString) + ";SSL Mode=Disable;Maximum Pool Size=8");
        var baseline = await MedianRoundTripAsync(direct);

        proxy.Plan = new FaultPlan { Latency = TimeSpan.FromMilliseconds(5) };
        await using var delayed = PgWireDataSource.Create(proxy.Through(fixture.ConnectionString) + ";SSL Mode=Disable;Maximum Pool Size=8;Application Name=delayed");
        var rtt = await MedianRoundTripAsync(delayed);
        Assert.InRange(rtt - baseline, 9.5, 16);

        // Eight connections at once take about one round trip, not eight (80 ms): the wire delays, it does not queue.
        for (var warm = 0; warm < 3; warm++)
            await Parallel.ForEachAsync(Enumerable.Range(0, 8), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, _) => (await delayed.QueryAsync("SELECT 1")).Dispose());
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, 8), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, _) => (await delayed.QueryAsync("SELECT 1")).Dispose());
        Assert.True(clock.Elapsed.TotalMilliseconds < 60, $"8 concurrent queries took {clock.Elapsed.TotalMilliseconds:F1} ms at a 10 ms round trip.");
    }
}

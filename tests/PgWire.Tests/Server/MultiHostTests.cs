using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using PgWire.Testing;
using Xunit;

namespace PgWire.Tests.Server;

/// <summary>Host lists against the test server and fake hosts that fail: order, per-attempt Timeout, host state and its recheck.</summary>
[Collection(ServerCollection.Name)]
public sealed class MultiHostTests(ServerFixture fixture)
{
    private PgTestServer Server => fixture.Server;

    /// <summary>A loopback port that accepts connections and then closes them (or, with <paramref name="silent"/>, says nothing), counting them.</summary>
    private sealed class BadHost : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly List<Socket> _held = [];
        private readonly Task _loop;
        private int _accepted;

        public BadHost(bool silent)
        {
            _listener.Start();
            _loop = Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        var socket = await _listener.AcceptSocketAsync();
                        Interlocked.Increment(ref _accepted);
                        if (silent) lock (_held) _held.Add(socket);
                        else socket.Dispose();
                    }
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                }
            });
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int Accepted => Volatile.Read(ref _accepted);

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            await _loop;
            lock (_held) foreach (var socket in _held) socket.Dispose();
        }
    }

    private static async Task<int> PortAsync(PgWireDataSource dataSource)
    {
        using var rows = await dataSource.QueryAsync("SELECT inet_server_port()");
        return rows[0].Get<int>(0);
    }

    [Fact]
    public async Task A_host_found_down_is_skipped_until_its_state_is_rechecked()
    {
        await using var bad = new BadHost(silent: false);
        await using var dataSource = PgWireDataSource.Create(
            $"Host=127.0.0.1:{bad.Port},{Server.Host}:{Server.Port};Username=postgres;Database=postgres;Pooling=false;Host Recheck Seconds=1;SSL Mode=Disable");
        Assert.Equal(Server.Port, await PortAsync(dataSource));
        Assert.Equal(1, bad.Accepted);
        // Every open is a new connection (Pooling=false), yet the host known to be down is not tried again...
        for (var i = 0; i < 10; i++) Assert.Equal(Server.Port, await PortAsync(dataSource));
        Assert.Equal(1, bad.Accepted);
        // ...until Host Recheck Seconds have passed.
        await Task.Delay(1200);
        Assert.Equal(Server.Port, await PortAsync(dataSource));
        Assert.Equal(2, bad.Accepted);
    }

    [Fact]
    public async Task Timeout_bounds_each_host_attempt_and_the_next_host_is_tried()
    {
        await using var silent = new BadHost(silent: true);
        await using var dataSource = PgWireDataSource.Create(
            $"Host=127.0.0.1:{silent.Port},{Server.Host}:{Server.Port};Username=postgres;Database=postgres;Timeout=1;SSL Mode=Disable");
        var clock = Stopwatch.StartNew();
        Assert.Equal(Server.Port, await PortAsync(dataSource));
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task An_open_tries_each_host_once_so_Timeout_times_the_hosts_bounds_it()
    {
        await using var first = new BadHost(silent: true);
        await using var second = new BadHost(silent: true);
        await using var dataSource = PgWireDataSource.Create(
            $"Host=127.0.0.1:{first.Port},127.0.0.1:{second.Port};Username=postgres;Database=postgres;Timeout=1;SSL Mode=Disable");
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<PgWireException>(() => PortAsync(dataSource));
        // One attempt per host (a host that failed in this open is not tried again as a last resort): about 2 s, not 4.
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.8), TimeSpan.FromSeconds(3.5));
        Assert.Equal((1, 1), (first.Accepted, second.Accepted));
        Assert.Contains($"127.0.0.1:{first.Port}: down", e.Message, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{second.Port}: down", e.Message, StringComparison.Ordinal);

        // The next open, with both known to be down, tries them once each again (nothing else could answer).
        clock.Restart();
        await Assert.ThrowsAsync<PgWireException>(() => PortAsync(dataSource));
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.8), TimeSpan.FromSeconds(3.5));
        Assert.Equal((2, 2), (first.Accepted, second.Accepted));
    }

    [Fact]
    public async Task When_every_host_fails_the_error_says_what_each_did()
    {
        await using var bad = new BadHost(silent: false);
        await using var dataSource = PgWireDataSource.Create(
            $"Host=127.0.0.1:{bad.Port},127.0.0.1:1;Username=postgres;Password=never-shown-pw;Database=postgres;Timeout=2;SSL Mode=Disable");
        var e = await Assert.ThrowsAsync<PgWireException>(() => PortAsync(dataSource));
        Assert.Contains($"127.0.0.1:{bad.Port}: down", e.Message, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1:1: down", e.Message, StringComparison.Ordinal);
        Assert.NotNull(e.InnerException); // the latest host failure itself, for its type or SQLSTATE
        Assert.DoesNotContain("never-shown-pw", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Per_host_ports_and_a_single_host_with_a_target_use_the_same_code()
    {
        await using var dataSource = PgWireDataSource.Create($"Host={Server.Host}:{Server.Port};Port=1;Username=postgres;Database=postgres");
        Assert.Equal(Server.Port, await PortAsync(dataSource));
        var primary = dataSource.WithTargetSession(TargetSession.ReadWrite);
        Assert.Equal(Server.Port, await PortAsync(primary));
        var standby = dataSource.WithTargetSession(TargetSession.Standby);
        var e = await Assert.ThrowsAsync<PgWireException>(() => PortAsync(standby));
        Assert.Contains($"{Server.Host}:{Server.Port}: a primary", e.Message, StringComparison.Ordinal);
        Assert.Equal(TargetSession.PreferStandby, dataSource.WithTargetSession(TargetSession.PreferStandby).TargetSession);
        Assert.Throws<ArgumentOutOfRangeException>(() => dataSource.WithTargetSession((TargetSession)42));
    }
}

using System.Net;
using System.Net.Sockets;

namespace PgWire.Testing;

/// <summary>
/// What a <see cref="PgFaultProxy"/> does to the connections it accepts while the plan is in force. Byte counts are
/// per connection and per direction, from its first byte.
/// </summary>
public sealed record FaultPlan
{
    /// <summary>Forward this many bytes from the client to the server, then cut the connection (both ways).</summary>
    public long? CutClientToServerAfter { get; init; }

    /// <summary>Forward this many bytes from the server to the client, then cut the connection (both ways).</summary>
    public long? CutServerToClientAfter { get; init; }

    /// <summary>Wait this long before forwarding each chunk (either direction); one chunk after another (a throttle).</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>
    /// A fixed one-way latency in both directions, as a network between two hosts: every chunk arrives this long after
    /// it was sent, and chunks in flight overlap (sub-millisecond values are kept; see the proxy's delay line).
    /// </summary>
    public TimeSpan Latency { get; init; }

    /// <summary>Stop forwarding from the server to the client after this many bytes, and keep the connection open:
    /// a server that stops answering (until <see cref="PgFaultProxy.ResumeAll"/>).</summary>
    public long? PauseServerToClientAfter { get; init; }
}

/// <summary>
/// A TCP proxy on a free loopback port in front of a PostgreSQL server, for fault-injection tests: it cuts a
/// connection after a given number of bytes in either direction, delays, pauses, or drops every connection at once.
/// Every connection's byte counts are kept.
/// </summary>
public sealed class PgFaultProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly EndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly List<ProxiedConnection> _connections = [];
    private volatile FaultPlan? _plan;
    private TaskCompletionSource _resumed = NewResumed();
    private readonly Dictionary<TimeSpan, DelayLine> _delayLines = [];

    private PgFaultProxy(EndPoint target)
    {
        _target = target;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    /// <summary>Starts a proxy to <paramref name="host"/>:<paramref name="port"/> (an IP address).</summary>
    public static PgFaultProxy Start(string host, int port) => new(new IPEndPoint(IPAddress.Parse(host), port));

    /// <summary>Starts a proxy to a test server.</summary>
    public static PgFaultProxy Start(PgTestServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        return Start(server.Host == "localhost" ? "127.0.0.1" : server.Host, server.Port);
    }

    /// <summary>The proxy's port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The plan for connections accepted from now on; null forwards faithfully.</summary>
    public FaultPlan? Plan
    {
        get => _plan;
        set => _plan = value;
    }

    /// <summary>Connections accepted so far.</summary>
    public int ConnectionCount
    {
        get
        {
            lock (_connections) return _connections.Count;
        }
    }

    /// <summary>Bytes forwarded so far on connection <paramref name="index"/> (in order of acceptance): client to server, server to client.</summary>
    public (long ClientToServer, long ServerToClient) BytesOf(int index)
    {
        lock (_connections)
        {
            var connection = _connections[index];
            return (Interlocked.Read(ref connection.Up), Interlocked.Read(ref connection.Down));
        }
    }

    /// <summary>Rewrites a connection string's Host and Port to go through this proxy.</summary>
    public string Through(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var parts = connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Where(p => !p.TrimStart().StartsWith("Host=", StringComparison.OrdinalIgnoreCase)
                        && !p.TrimStart().StartsWith("Port=", StringComparison.OrdinalIgnoreCase)
                        && !p.TrimStart().StartsWith("Server=", StringComparison.OrdinalIgnoreCase));
        return string.Join(';', parts.Prepend($"Port={Port}").Prepend("Host=127.0.0.1"));
    }

    /// <summary>Resumes every connection a <see cref="FaultPlan.PauseServerToClientAfter"/> paused.</summary>
    public void ResumeAll()
    {
        var resumed = Interlocked.Exchange(ref _resumed, NewResumed());
        resumed.TrySetResult();
    }

    /// <summary>Closes every open connection at once, both ways (a network failure, or the server's host going away).</summary>
    public void DropAll()
    {
        lock (_connections)
            foreach (var connection in _connections) connection.Close();
    }

    /// <summary>The delay line of <paramref name="latency"/>, made on first use (one per latency, shared by the connections).</summary>
    private DelayLine DelayLineFor(TimeSpan latency)
    {
        lock (_delayLines)
        {
            if (!_delayLines.TryGetValue(latency, out var line)) _delayLines[latency] = line = new DelayLine(latency);
            return line;
        }
    }

    private static TaskCompletionSource NewResumed() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
                var plan = _plan;
                var server = new Socket(_target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                client.NoDelay = true;
                try
                {
                    await server.ConnectAsync(_target, _stop.Token).ConfigureAwait(false);
                }
                catch (SocketException)
                {
                    client.Dispose();
                    server.Dispose();
                    continue;
                }
                var connection = new ProxiedConnection(client, server);
                lock (_connections) _connections.Add(connection);
                connection.Pumps = Task.WhenAll(
                    PumpAsync(connection, client, server, up: true, plan),
                    PumpAsync(connection, server, client, up: false, plan));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task PumpAsync(ProxiedConnection connection, Socket from, Socket to, bool up, FaultPlan? plan)
    {
        var cut = up ? plan?.CutClientToServerAfter : plan?.CutServerToClientAfter;
        var pause = up ? null : plan?.PauseServerToClientAfter;
        var buffer = new byte[16384];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).ConfigureAwait(false);
                if (read == 0) break;
                var offset = 0;
                while (offset < read)
                {
                    var sent = up ? Interlocked.Read(ref connection.Up) : Interlocked.Read(ref connection.Down);
                    var chunk = read - offset;
                    if (cut is { } c) chunk = (int)Math.Min(chunk, c - sent);
                    if (pause is { } p && sent >= p)
                    {
                        await _resumed.Task.WaitAsync(_stop.Token).ConfigureAwait(false);
                        pause = null;
                        continue;
                    }
                    if (pause is { } q) chunk = (int)Math.Min(chunk, q - sent);
                    if (chunk <= 0)
                    {
                        connection.Close();
                        return;
                    }
                    if (plan is { Delay: var delay } && delay > TimeSpan.Zero) await Task.Delay(delay, _stop.Token).ConfigureAwait(false);
                    if (plan is { Latency: var latency } && latency > TimeSpan.Zero)
                    {
                        // Onto the wire: counted when it has been sent, after the latency.
                        DelayLineFor(latency).Enqueue(to, buffer.AsSpan(offset, chunk), up ? connection.AddUp : connection.AddDown);
                        offset += chunk;
                        continue;
                    }
                    await to.SendAsync(buffer.AsMemory(offset, chunk), SocketFlags.None, _stop.Token).ConfigureAwait(false);
                    offset += chunk;
                    if (up) Interlocked.Add(ref connection.Up, chunk);
                    else Interlocked.Add(ref connection.Down, chunk);
                }
                if (cut is { } limit && (up ? Interlocked.Read(ref connection.Up) : Interlocked.Read(ref connection.Down)) >= limit)
                {
                    connection.Close();
                    return;
                }
            }
            // One side closed: pass the close on.
            try
            {
                to.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            connection.Close();
        }
    }

    /// <summary>Stops accepting and closes every connection.</summary>
    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _accepting.ConfigureAwait(false);
        DropAll();
        Task[] pumps;
        lock (_connections) pumps = [.. _connections.Select(c => c.Pumps)];
        await Task.WhenAll(pumps).ConfigureAwait(false);
        lock (_delayLines)
            foreach (var line in _delayLines.Values) line.Dispose();
        _stop.Dispose();
    }

    private sealed class ProxiedConnection(Socket client, Socket server)
    {
        public long Up;
        public long Down;
        public Task Pumps = Task.CompletedTask;
        private int _closed;

        public void AddUp(int bytes) => Interlocked.Add(ref Up, bytes);

        public void AddDown(int bytes) => Interlocked.Add(ref Down, bytes);

        public void Close()
        {
            if (Interlocked.Exchange(ref _closed, 1) != 0) return;
            foreach (var socket in new[] { client, server })
            {
                try
                {
                    socket.Shutdown(SocketShutdown.Both);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                }
                socket.Dispose();
            }
        }
    }
}

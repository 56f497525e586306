using System.Net;
using System.Net.Sockets;

namespace PgWire.Connection;

/// <summary>Opens the socket to the server: TCP to a host name or address, or a Unix-domain socket for a directory path.</summary>
internal static class Transport
{
    /// <summary>
    /// Connects, and gives back the end point connected to, as known when the connect succeeded (the cancel request's
    /// target): asking the socket later fails once the peer has gone, which is a cut connection, not a bug.
    /// </summary>
    public static async Task<(Socket Socket, EndPoint Server)> ConnectAsync(ConnectorOptions options, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        try
        {
            if (options.Host.StartsWith('/'))
            {
                var path = Path.Combine(options.Host, $".s.PGSQL.{options.Port}");
                var unix = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                var unixEndPoint = new UnixDomainSocketEndPoint(path);
                try
                {
                    await unix.ConnectAsync(unixEndPoint, timeout.Token).ConfigureAwait(false);
                    return (unix, unixEndPoint);
                }
                catch
                {
                    unix.Dispose();
                    throw;
                }
            }

            var addresses = IPAddress.TryParse(options.Host, out var literal)
                ? [literal]
                : await Dns.GetHostAddressesAsync(options.Host, timeout.Token).ConfigureAwait(false);
            if (addresses.Length == 0) throw new PgWireException($"The host name '{options.Host}' resolved to no address.");
            Exception? last = null;
            foreach (var address in addresses)
            {
                var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                var endPoint = new IPEndPoint(address, options.Port);
                try
                {
                    await socket.ConnectAsync(endPoint, timeout.Token).ConfigureAwait(false);
                    ApplyTcpOptions(socket, options);
                    ApplyUserTimeout(socket, options);
                    return (socket, endPoint);
                }
                catch (SocketException e)
                {
                    socket.Dispose();
                    last = e;
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            }
            throw new PgWireException($"Could not connect to {options.Host}:{options.Port}: {last!.Message}", last);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PgWireException(
                $"Connecting to {options.Host}:{options.Port} timed out after {options.ConnectTimeout.TotalSeconds:0.###} s (Timeout).",
                new TimeoutException());
        }
        catch (SocketException e)
        {
            throw new PgWireException($"Could not connect to {options.Host}:{options.Port}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Keepalives: on unless turned off; the settings tune when a silent peer counts as dead.
    /// </summary>
    private static void ApplyTcpOptions(Socket socket, ConnectorOptions options)
    {
        var (enabled, time, interval, count) = options.TcpKeepAlive;
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, enabled);
        if (!enabled) return;
        if (time > 0) socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, time);
        if (interval > 0) socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, interval);
        if (count > 0) socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, count);
    }

    /// <summary>TCP_USER_TIMEOUT: how long sent data may stay unacknowledged before the connection is closed.</summary>
    private static void ApplyUserTimeout(Socket socket, ConnectorOptions options)
    {
        // TCP_USER_TIMEOUT (18 at IPPROTO_TCP, 6) exists on Linux only; elsewhere the setting is documented as ignored.
        if (options.TcpUserTimeout > 0 && OperatingSystem.IsLinux()) socket.SetRawSocketOption(6, 18, BitConverter.GetBytes(options.TcpUserTimeout));
    }

    /// <summary>
    /// Connects to the very address a session is connected to (a CancelRequest must reach the server that runs the
    /// session, not another address the host name resolves to).
    /// </summary>
    public static async Task<Socket> ConnectToAsync(EndPoint endPoint, TimeSpan timeout)
    {
        var socket = endPoint is UnixDomainSocketEndPoint
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var cts = new CancellationTokenSource(timeout);
            await socket.ConnectAsync(endPoint, cts.Token).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

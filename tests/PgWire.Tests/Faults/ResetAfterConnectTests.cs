using System.Net;
using System.Net.Sockets;
using PgWire.Connection;
using PgWire.Types;
using Xunit;

namespace PgWire.Tests.Faults;

/// <summary>
/// A peer that resets the connection between the connect and the session's set-up (seen in CI as a cut inside the TLS
/// handshake): the session must not ask the dead socket where it is connected, which throws a raw SocketException
/// ("Transport endpoint is not connected") instead of the clear error the next read gives.
/// </summary>
public class ResetAfterConnectTests
{
    [Fact]
    public async Task A_connection_reset_before_the_session_is_set_up_fails_on_use_with_a_PgWireException()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var options = new ConnectorOptions { Host = "127.0.0.1", Port = port, Username = "u", Database = "d", ConnectTimeout = TimeSpan.FromSeconds(3) };

        var (socket, server) = await Transport.ConnectAsync(options, CancellationToken.None);
        using (var accepted = await listener.AcceptAsync())
        {
            accepted.LingerState = new LingerOption(true, 0); // close with a reset
        }
        // Wait until the reset has arrived: the socket reads as ready and the read fails.
        Assert.True(socket.Poll(3_000_000, SelectMode.SelectRead), "the reset did not arrive");
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, port), server);

        var stream = new NetworkStream(socket, ownsSocket: true);
        await using var connector = new PgConnector(options, new PgTypeRegistry(), socket, server, stream);
        var e = await Record.ExceptionAsync(() => Startup.RunAsync(connector, CancellationToken.None));
        Assert.True(e is PgWireException, $"expected a PgWireException, got {e}");
    }
}

using System.Net.Sockets;
using PgWire.Protocol;

namespace PgWire.Connection;

/// <summary>
/// Sends a CancelRequest on a fresh connection, as the protocol requires. The server answers nothing; success shows
/// only as the cancelled statement failing with SQLSTATE 57014 on the original connection.
/// </summary>
internal static class CancelRequestSender
{
    public static async Task SendAsync(ConnectorOptions options, BackendKeyData key)
    {
        try
        {
            using var socket = await Transport.ConnectAsync(options, CancellationToken.None).ConfigureAwait(false);
            using var buffer = new MessageBuffer(16);
            FrontendMessages.WriteCancelRequest(buffer, key.ProcessId, key.SecretKey);
            await socket.SendAsync(buffer.WrittenMemory, SocketFlags.None).ConfigureAwait(false);
            // The server closes the connection once it has read the request.
            var sink = new byte[1];
            using var wait = new CancellationTokenSource(options.CancellationGrace);
            await socket.ReceiveAsync(sink, SocketFlags.None, wait.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is PgWireException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Best effort: if the cancel cannot be delivered the grace timer breaks the original connection.
        }
    }
}

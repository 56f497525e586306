using System.Net.Sockets;
using PgWire.Protocol;

namespace PgWire.Connection;

/// <summary>
/// Sends a CancelRequest on a fresh connection, as the protocol requires. The server answers nothing; success shows
/// only as the cancelled statement failing with SQLSTATE 57014 on the original connection. The server closes the
/// cancel connection once it has signalled the backend: that close is the only confirmation there is.
/// </summary>
internal static class CancelRequestSender
{
    /// <returns>True when the server closed the cancel connection after reading the request (the backend was
    /// signalled); false when the request could not be sent or the close did not come within the cancellation grace.</returns>
    public static async Task<bool> SendAsync(ConnectorOptions options, System.Net.EndPoint server, BackendKeyData key)
    {
        // No BackendKeyData at login (some poolers send none): there is nothing to cancel with.
        if (key.SecretKey is null) return false;
        try
        {
            using var socket = await Transport.ConnectToAsync(server, options.CancellationGrace).ConfigureAwait(false);
            using var buffer = new MessageBuffer(16);
            FrontendMessages.WriteCancelRequest(buffer, key.ProcessId, key.SecretKey);
            await socket.SendAsync(buffer.WrittenMemory, SocketFlags.None).ConfigureAwait(false);
            // The server closes the connection once it has read the request.
            var sink = new byte[1];
            using var wait = new CancellationTokenSource(options.CancellationGrace);
            return await socket.ReceiveAsync(sink, SocketFlags.None, wait.Token).ConfigureAwait(false) == 0;
        }
        catch (Exception e) when (e is PgWireException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // If the cancel cannot be delivered the grace timer breaks the original connection.
            return false;
        }
    }
}

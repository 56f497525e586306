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
    /// <param name="options">The session's options (host, TLS settings, the cancellation grace).</param>
    /// <param name="server">The end point the session is connected to.</param>
    /// <param name="key">The session's process ID and secret key.</param>
    /// <param name="secure">Whether the session is encrypted: the cancel request then goes over TLS too (negotiated as the
    /// session was), so the key is never sent in the clear for an encrypted session.</param>
    /// <returns>True when the server closed the cancel connection after reading the request (the backend was
    /// signalled); false when the request could not be sent or the close did not come within the cancellation grace.</returns>
    public static async Task<bool> SendAsync(ConnectorOptions options, System.Net.EndPoint server, BackendKeyData key, bool secure)
    {
        // No BackendKeyData at login (some poolers send none): there is nothing to cancel with.
        if (key.SecretKey is null) return false;
        try
        {
            using var wait = new CancellationTokenSource(options.CancellationGrace);
            using var socket = await Transport.ConnectToAsync(server, options.CancellationGrace).ConfigureAwait(false);
            await using var stream = secure
                ? await Tls.NegotiateAsync(new NetworkStream(socket, ownsSocket: false), options, wait.Token).ConfigureAwait(false)
                : new NetworkStream(socket, ownsSocket: false);
            using var buffer = new MessageBuffer(16);
            FrontendMessages.WriteCancelRequest(buffer, key.ProcessId, key.SecretKey);
            await stream.WriteAsync(buffer.WrittenMemory, wait.Token).ConfigureAwait(false);
            await stream.FlushAsync(wait.Token).ConfigureAwait(false);
            // The server closes the connection once it has read the request (over TLS, perhaps without a close_notify).
            var sink = new byte[1];
            try
            {
                return await stream.ReadAsync(sink, wait.Token).ConfigureAwait(false) == 0;
            }
            catch (IOException) when (secure && !wait.IsCancellationRequested)
            {
                return true;
            }
        }
        catch (Exception e) when (e is PgWireException or SocketException or IOException or OperationCanceledException or ObjectDisposedException
            or System.Security.Authentication.AuthenticationException)
        {
            // If the cancel cannot be delivered the grace timer breaks the original connection.
            return false;
        }
    }
}

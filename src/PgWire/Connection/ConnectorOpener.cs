using System.Net.Sockets;
using PgWire.Exceptions;
using PgWire.Types;

namespace PgWire.Connection;

/// <summary>
/// Opening a session: the socket, TLS when the SSL Mode asks for it (Allow: only when the server refuses a login
/// without it), startup and authentication, and the type catalog when the data source has none, each step bounded by
/// the connect Timeout with a message saying which step timed out.
/// </summary>
internal static class ConnectorOpener
{
    /// <summary>
    /// Opens a socket, runs startup and authentication, loads the type catalog when <paramref name="registry"/> has
    /// none or a stale one, and returns a connector ready for queries; <paramref name="notice"/> receives the server's
    /// notices from the end of startup on.
    /// </summary>
    public static async Task<PgConnector> OpenAsync(
        ConnectorOptions options, PgTypeRegistry registry, Action<PgErrorFields>? notice, CancellationToken cancellationToken)
    {
        if (options.SslMode != SslMode.Allow) return await OpenOnceAsync(options, registry, notice, options.SslMode != SslMode.Disable, cancellationToken).ConfigureAwait(false);
        try
        {
            return await OpenOnceAsync(options, registry, notice, tls: false, cancellationToken).ConfigureAwait(false);
        }
        catch (PgWireServerException e) when (e.SqlState == SqlStates.InvalidAuthorizationSpecification)
        {
            // Allow: the server refused the unencrypted login (a hostssl-only pg_hba.conf); try again with TLS.
            return await OpenOnceAsync(options, registry, notice, tls: true, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<PgConnector> OpenOnceAsync(
        ConnectorOptions options, PgTypeRegistry registry, Action<PgErrorFields>? notice, bool tls, CancellationToken cancellationToken)
    {
        var socket = await Transport.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        if (tls && Tls.Applies(socket))
        {
            try
            {
                stream = await Tls.NegotiateAsync((NetworkStream)stream, options, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
                if (e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
                    throw new PgWireException(
                        $"Connecting to {options.Host}:{options.Port} timed out after {options.ConnectTimeout.TotalSeconds:0.###} s (Timeout) during the TLS handshake.",
                        new TimeoutException());
                if (e is IOException or SocketException)
                    throw new PgWireException($"The TLS negotiation with {options.Host}:{options.Port} failed: {e.Message}", e);
                throw;
            }
        }
        var connector = new PgConnector(options, registry, socket, stream);
        try
        {
            try
            {
                await Startup.RunAsync(connector, timeout.Token).ConfigureAwait(false);
                await connector.EndRequestAsync().ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new PgWireException(
                    $"Connecting to {options.Host}:{options.Port} timed out after {options.ConnectTimeout.TotalSeconds:0.###} s (Timeout) during startup.",
                    new TimeoutException());
            }
            connector.Session.NoticeCallback = notice;
            // The data source's first session loads the type catalog, as part of opening: bounded by Timeout too.
            using var catalogTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            catalogTimeout.CancelAfter(options.ConnectTimeout);
            try
            {
                await TypeCatalogLoader.RefreshAsync(connector, catalogTimeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new PgWireException(
                    $"Loading the type catalog from {options.Host}:{options.Port} timed out after {options.ConnectTimeout.TotalSeconds:0.###} s (Timeout).",
                    new TimeoutException());
            }
            return connector;
        }
        catch
        {
            await connector.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}

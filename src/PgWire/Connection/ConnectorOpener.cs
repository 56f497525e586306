using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using PgWire.Diagnostics;
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
        var telemetry = options.Telemetry;
        var started = Stopwatch.GetTimestamp();
        PgConnector connector;
        try
        {
            connector = await OpenWithModeAsync(options, registry, notice, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.ConnectionOpenFailed(telemetry.ConnectionLog, options.Host, options.Port, options.Database, Stopwatch.GetElapsedTime(started).TotalMilliseconds, e.Message, e);
            throw;
        }
        var elapsed = Stopwatch.GetElapsedTime(started);
        if (Instruments.CreateTime.Enabled) Instruments.CreateTime.Record(elapsed.TotalSeconds, telemetry.PoolTags(null));
        if (telemetry.ConnectionLog.IsEnabled(LogLevel.Debug))
            Log.ConnectionOpened(
                telemetry.ConnectionLog, options.Host, options.Port, options.Database, options.Username, elapsed.TotalMilliseconds, connector.ProcessId,
                connector.TlsDescription, $"3.{connector.Session.ProtocolMinor}", connector.Session.ServerParameters.GetValueOrDefault("server_version", "?"));
        return connector;
    }

    private static async Task<PgConnector> OpenWithModeAsync(
        ConnectorOptions options, PgTypeRegistry registry, Action<PgErrorFields>? notice, CancellationToken cancellationToken)
    {
        try
        {
            return await OpenWithTlsModeAsync(options, registry, notice, cancellationToken).ConfigureAwait(false);
        }
        catch (ProtocolRefusedException refused)
        {
            // A server or pooler that refused a 3.2 login instead of negotiating: once more with 3.0, and, when that
            // works, 3.0 for this host from now on.
            var connector = await OpenWithTlsModeAsync(options with { MaxProtocolMinor = 0 }, registry, notice, cancellationToken).ConfigureAwait(false);
            options.Protocol.Refused(refused.Minor);
            Log.ProtocolFallback(options.Telemetry.ConnectionLog, options.Host, options.Port, refused.Minor, refused.InnerException?.Message ?? refused.Message);
            return connector;
        }
    }

    private static async Task<PgConnector> OpenWithTlsModeAsync(
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
            Log.TlsRetry(options.Telemetry.TlsLog, options.Host, options.Port);
            return await OpenOnceAsync(options, registry, notice, tls: true, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<PgConnector> OpenOnceAsync(
        ConnectorOptions options, PgTypeRegistry registry, Action<PgErrorFields>? notice, bool tls, CancellationToken cancellationToken)
    {
        var (socket, server) = await Transport.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        if (tls && Tls.Applies(socket))
        {
            try
            {
                stream = await Tls.NegotiateAsync((NetworkStream)stream, options, timeout.Token).ConfigureAwait(false);
                if (stream is System.Net.Security.SslStream secured && options.Telemetry.TlsLog.IsEnabled(LogLevel.Debug))
                    Log.TlsEstablished(
                        options.Telemetry.TlsLog, options.Host, options.Port, secured.SslProtocol.ToString(), secured.NegotiatedCipherSuite.ToString(),
                        secured.RemoteCertificate?.Subject ?? "(none)", options.SslMode.ToString());
            }
            catch (Exception e)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
                if (e is not OperationCanceledException)
                    Log.TlsFailed(options.Telemetry.TlsLog, options.Host, options.Port, options.SslMode.ToString(), e.Message, e);
                if (e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
                    throw new PgWireException(
                        $"Connecting to {options.Host}:{options.Port} timed out after {options.ConnectTimeout.TotalSeconds:0.###} s (Timeout) during the TLS handshake.",
                        new TimeoutException());
                if (e is IOException or SocketException)
                    throw new PgWireException($"The TLS negotiation with {options.Host}:{options.Port} failed: {e.Message}", e);
                throw;
            }
        }
        var connector = new PgConnector(options, registry, socket, server, stream);
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
            connector.Session.NoticeCallback = NoticeSink(connector, notice);
            connector.MarkOpened();
            if (options.Initializer is { } initializer) await InitializeAsync(connector, initializer, cancellationToken).ConfigureAwait(false);
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

    /// <summary>Runs the data source's initialiser on a new session, bounded by Timeout; a failure names it as the initialiser's.</summary>
    private static async Task InitializeAsync(PgConnector connector, string sql, CancellationToken cancellationToken)
    {
        var options = connector.Options;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        try
        {
            var rows = await SimpleQuery.RunAsync(connector, sql, timeout.Token).ConfigureAwait(false);
            if (rows is not null) Buffers.RowBufferPool.Return(rows);
        }
        catch (PgWireServerException e)
        {
            throw new PgWireException($"The connection initialiser (UsePhysicalConnectionInitializer) failed on {options.Host}:{options.Port}: {e.Message}", e);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PgWireException(
                $"The connection initialiser (UsePhysicalConnectionInitializer) on {options.Host}:{options.Port} did not finish within {options.ConnectTimeout.TotalSeconds:0.###} s (Timeout).",
                new TimeoutException());
        }
    }

    /// <summary>
    /// Where a session's notices go: the PgWire.Notifications log (at the level their severity says) and the data
    /// source's handler; null when neither wants them.
    /// </summary>
    private static Action<PgErrorFields>? NoticeSink(PgConnector connector, Action<PgErrorFields>? handler)
    {
        var log = connector.Options.Telemetry.NotificationLog;
        if (!log.IsEnabled(LogLevel.Critical)) return handler;
        return notice =>
        {
            var level = notice.Severity switch
            {
                "WARNING" => LogLevel.Warning,
                "NOTICE" or "INFO" => LogLevel.Information,
                _ => LogLevel.Debug,
            };
            Log.ServerNotice(log, level, notice.Severity, connector.ProcessId, notice.SqlState, notice.MessageText);
            handler?.Invoke(notice);
        };
    }
}

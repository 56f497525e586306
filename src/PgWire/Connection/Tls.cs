using System.Buffers.Binary;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PgWire.Connection;

/// <summary>
/// TLS for a connection: the SSLRequest exchange on a new TCP socket, then the handshake over it, or (SSL Negotiation
/// Direct, PostgreSQL 17+) the handshake at once with ALPN <c>postgresql</c>. The server's one-byte answer to an
/// SSLRequest is read alone, straight from the socket, so bytes a machine in the middle sends after it can never be
/// taken for the server's (they go to the TLS handshake, which rejects them).
/// </summary>
internal static class Tls
{
    /// <summary>The SSLRequest code: 1234 in the high 16 bits, 5679 in the low.</summary>
    private const int SslRequestCode = 80877103;

    /// <summary>
    /// Asks the server for TLS on <paramref name="plain"/>: returns an authenticated <see cref="SslStream"/>, or
    /// <paramref name="plain"/> itself when the server declines and the mode allows that.
    /// </summary>
    /// <exception cref="PgWireException">The server declines TLS that the mode requires, or the handshake or the
    /// certificate check fails (the message says which).</exception>
    public static async Task<Stream> NegotiateAsync(NetworkStream plain, ConnectorOptions options, CancellationToken cancellationToken)
    {
        if (options.SslNegotiation == SslNegotiation.Direct) return await HandshakeAsync(plain, options, direct: true, cancellationToken).ConfigureAwait(false);
        var request = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(request, 8);
        BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(4), SslRequestCode);
        await plain.WriteAsync(request, cancellationToken).ConfigureAwait(false);
        var answer = new byte[1];
        if (await plain.ReadAsync(answer, cancellationToken).ConfigureAwait(false) == 0)
            throw new PgWireException($"The server {options.Host}:{options.Port} closed the connection in answer to the TLS request.");
        switch (answer[0])
        {
            case (byte)'N':
                if (options.SslMode >= SslMode.Require)
                    throw new PgWireException(
                        $"The server {options.Host}:{options.Port} does not accept TLS connections (ssl is off), and SSL Mode={options.SslMode} needs one. "
                        + "Enable ssl on the server, or use SSL Mode=Prefer to fall back to an unencrypted connection.");
                Diagnostics.Log.TlsDeclined(options.Telemetry.TlsLog, options.Host, options.Port, options.SslMode.ToString());
                return plain;
            case (byte)'S':
                break;
            case (byte)'E':
                throw new PgWireException($"The server {options.Host}:{options.Port} answered the TLS request with an error: it is not a PostgreSQL server that knows TLS negotiation.");
            default:
                throw new PgWireProtocolException($"The server answered the TLS request with byte 0x{answer[0]:X2}; only 'S' (TLS) and 'N' (no TLS) are valid.");
        }
        return await HandshakeAsync(plain, options, direct: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>PostgreSQL's ALPN protocol name, which a direct TLS connection must negotiate (PostgreSQL 17+).</summary>
    private static readonly SslApplicationProtocol s_alpn = new("postgresql");

    /// <summary>The TLS handshake over <paramref name="plain"/>, after an SSLRequest or, <paramref name="direct"/>, at once.</summary>
    private static async Task<Stream> HandshakeAsync(NetworkStream plain, ConnectorOptions options, bool direct, CancellationToken cancellationToken)
    {
        var roots = LoadRoots(options.RootCertificate);
        // libpq's rule: Require checks the chain only when a root certificate is given; VerifyCA always; VerifyFull adds the host name.
        var verify = options.SslMode >= SslMode.VerifyCA || (options.SslMode == SslMode.Require && roots is not null);
        string? rejected = null;
        var authentication = new SslClientAuthenticationOptions
        {
            TargetHost = options.Host,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            {
                if (!verify) return true;
                if (options.SslMode != SslMode.VerifyFull) errors &= ~SslPolicyErrors.RemoteCertificateNameMismatch;
                if (errors == SslPolicyErrors.None) return true;
                rejected = Describe(errors, chain, options);
                return false;
            },
        };
        if (roots is not null)
        {
            var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            policy.CustomTrustStore.AddRange(roots);
            authentication.CertificateChainPolicy = policy;
        }
        if (LoadClientCertificate(options) is { } client) authentication.ClientCertificates = [client];
        // ALPN "postgresql", as libpq 17 sends it: required by the server for direct TLS, harmless after an SSLRequest.
        authentication.ApplicationProtocols = [s_alpn];

        var tls = new SslStream(plain, leaveInnerStreamOpen: false);
        try
        {
            await tls.AuthenticateAsClientAsync(authentication, cancellationToken).ConfigureAwait(false);
            if (direct && tls.NegotiatedApplicationProtocol != s_alpn)
                throw new PgWireException(
                    $"The server {options.Host}:{options.Port} completed a direct TLS handshake without choosing ALPN protocol 'postgresql'; it is not a PostgreSQL server that accepts direct TLS (SSL Negotiation=Direct).");
            return tls;
        }
        catch (IOException e) when (direct)
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw new PgWireException(
                $"The direct TLS handshake with {options.Host}:{options.Port} failed ({e.Message}). SSL Negotiation=Direct needs PostgreSQL 17 or later; " +
                "an older server takes the handshake for a malformed startup packet and closes the connection. Use SSL Negotiation=Postgres for it.", e);
        }
        catch (AuthenticationException e)
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw new PgWireException(
                rejected is not null
                    ? $"The server {options.Host}:{options.Port} was refused under SSL Mode={options.SslMode}: {rejected}."
                    : $"The TLS handshake with {options.Host}:{options.Port} failed: {e.Message}",
                e);
        }
        catch
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static string Describe(SslPolicyErrors errors, X509Chain? chain, ConnectorOptions options)
    {
        var reasons = new List<string>();
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable)) reasons.Add("it sent no certificate");
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
            reasons.Add($"its certificate is not issued for '{options.Host}' (connect by a name the certificate lists, or use SSL Mode=VerifyCA)");
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            var status = chain?.ChainStatus.Where(s => s.Status != X509ChainStatusFlags.NoError).Select(s => s.Status.ToString()).Distinct() ?? [];
            reasons.Add($"its certificate does not chain to a trusted root ({string.Join(", ", status)}; "
                + (options.RootCertificate is null ? "give the issuing CA's certificate with Root Certificate=path)" : $"checked against Root Certificate={options.RootCertificate})"));
        }
        return string.Join("; ", reasons);
    }

    private static X509Certificate2Collection? LoadRoots(string? path)
    {
        if (path is null) return null;
        try
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(path);
            if (roots.Count == 0) throw new CryptographicException("the file holds no PEM certificate");
            return roots;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new PgWireException($"The Root Certificate file '{path}' could not be read: {e.Message}", e);
        }
    }

    /// <summary>The client certificate for certificate login: a PKCS#12 file, or PEM certificate and key files.</summary>
    private static X509Certificate2? LoadClientCertificate(ConnectorOptions options)
    {
        if (options.ClientCertificate is not { } path) return null;
        try
        {
            if (path.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".p12", StringComparison.OrdinalIgnoreCase))
                return X509CertificateLoader.LoadPkcs12FromFile(path, options.ClientKeyPassword);
            var key = options.ClientKey ?? throw new PgWireException($"SSL Certificate '{path}' is a PEM file: give its private key with SSL Key=path.");
            var pem = options.ClientKeyPassword is { } password
                ? X509Certificate2.CreateFromEncryptedPemFile(path, password, key)
                : X509Certificate2.CreateFromPemFile(path, key);
            // An ephemeral PEM key cannot be used by every TLS stack: export and re-import it as PKCS#12 in memory.
            using (pem)
                return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            // The key password is never part of the message.
            throw new PgWireException($"The client certificate (SSL Certificate '{path}', SSL Key '{options.ClientKey}') could not be loaded: {e.Message}", e);
        }
    }

    /// <summary>
    /// The tls-server-end-point channel binding data of the server's certificate (RFC 5929): its DER bytes hashed with
    /// the hash of its signature algorithm, SHA-256 for MD5 and SHA-1. Null when the algorithm is none of the known
    /// ones (RSASSA-PSS, EdDSA: PostgreSQL cannot bind those either).
    /// </summary>
    public static byte[]? EndPointHash(X509Certificate? certificate)
    {
        if (certificate is null) return null;
        var der = certificate.GetRawCertData();
        var algorithm = certificate is X509Certificate2 full ? full.SignatureAlgorithm.Value : null;
        return algorithm switch
        {
            "1.2.840.113549.1.1.4" or "1.2.840.113549.1.1.5" or "1.2.840.113549.1.1.11" or "1.2.840.10045.4.1" or "1.2.840.10045.4.3.2" => SHA256.HashData(der),
            "1.2.840.113549.1.1.12" or "1.2.840.10045.4.3.3" => SHA384.HashData(der),
            "1.2.840.113549.1.1.13" or "1.2.840.10045.4.3.4" => SHA512.HashData(der),
            _ => null,
        };
    }

    /// <summary>True for a connection over TCP (TLS is never negotiated over a Unix-domain socket, as in libpq).</summary>
    public static bool Applies(Socket socket) => socket.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6;
}

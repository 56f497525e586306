namespace PgWire;

// Public settings (PgWireConnectionStringBuilder.SslMode and ChannelBinding) that the Connection layer acts on: kept
// beside the code that reads them, in the root namespace with the rest of the public surface.

/// <summary>Whether a SCRAM-SHA-256 login binds itself to the TLS channel, as libpq's channel_binding (the connection string's Channel Binding).</summary>
public enum ChannelBinding
{
    /// <summary>Never.</summary>
    Disable,

    /// <summary>When the connection is TLS and the server offers SCRAM-SHA-256-PLUS.</summary>
    Prefer,

    /// <summary>Always: a login without it (no TLS, no SCRAM, a server without PLUS) fails.</summary>
    Require,
}

/// <summary>How a connection uses TLS (the connection string's SSL Mode): libpq's sslmode values, in its order of strictness.</summary>
public enum SslMode
{
    /// <summary>Never.</summary>
    Disable,

    /// <summary>Unencrypted first; encrypted only when the server refuses an unencrypted login.</summary>
    Allow,

    /// <summary>Encrypted when the server accepts TLS, otherwise not; the certificate is not checked.</summary>
    Prefer,

    /// <summary>Encrypted or no connection; the certificate is checked only when a root certificate is given.</summary>
    Require,

    /// <summary>Encrypted, with a certificate that chains to a trusted root.</summary>
    VerifyCA,

    /// <summary>Encrypted, with a trusted certificate issued for the host connected to.</summary>
    VerifyFull,
}

/// <summary>How TLS starts on a new connection (the connection string's SSL Negotiation, libpq's sslnegotiation).</summary>
public enum SslNegotiation
{
    /// <summary>PostgreSQL's way, every version: an SSLRequest first, and the handshake once the server agrees.</summary>
    Postgres,

    /// <summary>
    /// The TLS handshake at once, with ALPN <c>postgresql</c> (PostgreSQL 17 and later): one round trip less, and the
    /// connection looks like any TLS connection to the network. Needs SSL Mode Require, VerifyCA or VerifyFull.
    /// </summary>
    Direct,
}

using System.Security.Cryptography;
using System.Text;

namespace PgWire.Protocol;

/// <summary>
/// The client side of SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL uses it: the user name in the messages is
/// empty (the server takes it from the startup packet). Over TLS it binds the exchange to the server's certificate
/// (SCRAM-SHA-256-PLUS with tls-server-end-point, RFC 5929) so a machine in the middle holding another certificate
/// cannot relay the login; a client that could bind but was not offered the PLUS mechanism says so ("y"), which lets
/// a server that did offer it detect the downgrade.
/// </summary>
internal sealed class ScramSha256
{
    public const string Mechanism = "SCRAM-SHA-256";

    /// <summary>The mechanism with channel binding.</summary>
    public const string PlusMechanism = "SCRAM-SHA-256-PLUS";

    /// <summary>Iteration counts above this are refused before any hashing: a hostile server could stall the client.</summary>
    public const int MaxIterations = 10_000_000;

    private readonly string _gs2Header;
    private readonly byte[] _channelBindingData;
    private readonly string _clientNonce;
    private readonly string _clientFirstBare;
    private byte[]? _expectedServerSignature;

    /// <param name="endPointHash">The tls-server-end-point hash of the server's certificate: binds the exchange (use <see cref="PlusMechanism"/>).</param>
    /// <param name="couldBind">Without a hash: true when the connection is TLS and the client could have bound (gs2 flag "y"), false for "n".</param>
    public ScramSha256(byte[]? endPointHash = null, bool couldBind = false) : this(Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)), "", endPointHash, couldBind) { }

    /// <summary>For tests: a fixed client nonce, and optionally a user name (PostgreSQL ignores it and we send none).</summary>
    internal ScramSha256(string clientNonce, string userName = "", byte[]? endPointHash = null, bool couldBind = false)
    {
        _gs2Header = endPointHash is not null ? "p=tls-server-end-point,," : couldBind ? "y,," : "n,,";
        _channelBindingData = endPointHash ?? [];
        _clientNonce = clientNonce;
        _clientFirstBare = "n=" + userName + ",r=" + clientNonce;
    }

    /// <summary>True when the exchange is bound to the TLS channel (SCRAM-SHA-256-PLUS).</summary>
    public bool IsBound => _channelBindingData.Length > 0;

    /// <summary>True once client-final-message (with the proof) was made: only server-final-message may follow.</summary>
    public bool HasSentProof => _expectedServerSignature is not null;

    /// <summary>True once the server's final message proved it knows the password (and, bound, saw the same channel).</summary>
    public bool IsVerified { get; private set; }

    /// <summary>client-first-message: the gs2 header ("n,,", "y,," or "p=tls-server-end-point,,") then "n=,r=nonce".</summary>
    public byte[] CreateClientFirstMessage() => Encoding.UTF8.GetBytes(_gs2Header + _clientFirstBare);

    /// <summary>Reads server-first-message ("r=nonce,s=salt,i=count") and returns client-final-message with the proof.</summary>
    public byte[] CreateClientFinalMessage(ReadOnlySpan<byte> serverFirst, string password)
    {
        var serverFirstText = DecodeAscii(serverFirst, "server-first-message");
        string? nonce = null, salt = null, iterationsText = null;
        foreach (var part in serverFirstText.Split(','))
        {
            if (part.Length < 2 || part[1] != '=') continue;
            var value = part[2..];
            switch (part[0])
            {
                case 'r': nonce = value; break;
                case 's': salt = value; break;
                case 'i': iterationsText = value; break;
                case 'm': throw new PgWireProtocolException("SCRAM server-first-message demands a mandatory extension PgWire does not support.");
            }
        }
        if (nonce is null || salt is null || iterationsText is null)
            throw new PgWireProtocolException("SCRAM server-first-message lacks its nonce (r=), salt (s=) or iteration count (i=).");
        if (!nonce.StartsWith(_clientNonce, StringComparison.Ordinal) || nonce.Length == _clientNonce.Length)
            throw new PgWireProtocolException("SCRAM server nonce does not extend the client nonce; the server is not who it claims to be.");
        if (!int.TryParse(iterationsText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var iterations)
            || iterations < 1 || iterations > MaxIterations)
            throw new PgWireProtocolException($"SCRAM iteration count \"{iterationsText}\" is refused: it must be between 1 and {MaxIterations}.");
        byte[] saltBytes;
        try
        {
            saltBytes = Convert.FromBase64String(salt);
        }
        catch (FormatException e)
        {
            throw new PgWireProtocolException("SCRAM salt is not valid base64.", e);
        }

        var saltedPassword = Rfc2898DeriveBytes.Pbkdf2(SaslPrep.PrepareOrRaw(password), saltBytes, iterations, HashAlgorithmName.SHA256, 32);
        var clientKey = HMACSHA256.HashData(saltedPassword, "Client Key"u8);
        var storedKey = SHA256.HashData(clientKey);
        // c= is the gs2 header followed by the channel binding data (none without binding), base64.
        var clientFinalWithoutProof = "c=" + Convert.ToBase64String([.. Encoding.ASCII.GetBytes(_gs2Header), .. _channelBindingData]) + ",r=" + nonce;
        var authMessage = Encoding.UTF8.GetBytes(_clientFirstBare + "," + serverFirstText + "," + clientFinalWithoutProof);
        var clientSignature = HMACSHA256.HashData(storedKey, authMessage);
        var proof = new byte[clientKey.Length];
        for (var i = 0; i < proof.Length; i++) proof[i] = (byte)(clientKey[i] ^ clientSignature[i]);
        var serverKey = HMACSHA256.HashData(saltedPassword, "Server Key"u8);
        _expectedServerSignature = HMACSHA256.HashData(serverKey, authMessage);
        return Encoding.ASCII.GetBytes(clientFinalWithoutProof + ",p=" + Convert.ToBase64String(proof));
    }

    /// <summary>Checks server-final-message ("v=signature"); throws when the server does not prove it knows the password.</summary>
    public void VerifyServerFinalMessage(ReadOnlySpan<byte> serverFinal)
    {
        if (_expectedServerSignature is null) throw new PgWireProtocolException("SCRAM server-final-message arrived before server-first-message.");
        var text = DecodeAscii(serverFinal, "server-final-message");
        if (text.StartsWith("e=", StringComparison.Ordinal))
            throw new PgWireProtocolException($"SCRAM authentication failed on the server: {text[2..]}.");
        var verifier = text.Split(',')[0];
        if (!verifier.StartsWith("v=", StringComparison.Ordinal))
            throw new PgWireProtocolException("SCRAM server-final-message has no server signature (v=).");
        byte[] signature;
        try
        {
            signature = Convert.FromBase64String(verifier[2..]);
        }
        catch (FormatException e)
        {
            throw new PgWireProtocolException("SCRAM server signature is not valid base64.", e);
        }
        if (!CryptographicOperations.FixedTimeEquals(signature, _expectedServerSignature))
            throw new PgWireProtocolException("SCRAM server signature does not match: the server did not prove it knows the password.");
        IsVerified = true;
    }

    private static string DecodeAscii(ReadOnlySpan<byte> bytes, string what)
    {
        foreach (var b in bytes)
        {
            if (b is < 0x20 or > 0x7E) throw new PgWireProtocolException($"SCRAM {what} contains a non-printable byte.");
        }
        return Encoding.ASCII.GetString(bytes);
    }
}

using System.Security.Cryptography;
using System.Text;

namespace PgWire.Tests.Fakes;

/// <summary>The server side of SCRAM-SHA-256 (RFC 5802/7677), for fake servers that test the client's checks.</summary>
internal sealed class ScramServer(string password, int iterations = 4096, string? serverNonce = null)
{
    private readonly byte[] _salt = RandomNumberGenerator.GetBytes(16);
    private string _clientFirstBare = "";
    private string _serverFirst = "";

    /// <summary>The client's nonce, from its first message.</summary>
    public string ClientNonce { get; private set; } = "";

    /// <summary>The gs2 header the client sent ("n,,", "y,," or "p=tls-server-end-point,,").</summary>
    public string Gs2Header { get; private set; } = "";

    /// <summary>The mechanism the client chose in its SASLInitialResponse.</summary>
    public string Mechanism { get; private set; } = "";

    /// <summary>The channel binding data the client's final message carried (c=, decoded, after the gs2 header).</summary>
    public byte[] ChannelBindingData { get; private set; } = [];

    /// <summary>Reads a SASLInitialResponse body (mechanism, Int32 length, client-first-message) and returns server-first-message.</summary>
    public byte[] ServerFirst(byte[] initialResponse, string? nonceOverride = null, string? iterationsOverride = null)
    {
        var mechanismEnd = Array.IndexOf(initialResponse, (byte)0);
        Mechanism = Encoding.ASCII.GetString(initialResponse, 0, mechanismEnd);
        var clientFirst = Encoding.UTF8.GetString(initialResponse, mechanismEnd + 5, initialResponse.Length - mechanismEnd - 5);
        var bareAt = clientFirst.IndexOf(",,", StringComparison.Ordinal) + 2;
        Gs2Header = clientFirst[..bareAt];
        _clientFirstBare = clientFirst[bareAt..];
        ClientNonce = _clientFirstBare.Split(',').First(p => p.StartsWith("r=", StringComparison.Ordinal))[2..];
        var nonce = nonceOverride ?? ClientNonce + (serverNonce ?? "srvNonce123");
        _serverFirst = $"r={nonce},s={Convert.ToBase64String(_salt)},i={iterationsOverride ?? iterations.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        return Encoding.ASCII.GetBytes(_serverFirst);
    }

    /// <summary>Checks client-final-message's proof; returns server-final-message ("v=..."), or a wrong one when asked.</summary>
    public byte[] ServerFinal(byte[] clientFinalBody, bool wrongSignature = false)
    {
        var clientFinal = Encoding.ASCII.GetString(clientFinalBody);
        var withoutProof = clientFinal[..clientFinal.LastIndexOf(",p=", StringComparison.Ordinal)];
        var binding = Convert.FromBase64String(withoutProof.Split(',').First(p => p.StartsWith("c=", StringComparison.Ordinal))[2..]);
        ChannelBindingData = binding[Encoding.ASCII.GetByteCount(Gs2Header)..];
        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), _salt, iterations, HashAlgorithmName.SHA256, 32);
        var authMessage = Encoding.UTF8.GetBytes(_clientFirstBare + "," + _serverFirst + "," + withoutProof);
        var clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
        var expectedSignature = HMACSHA256.HashData(SHA256.HashData(clientKey), authMessage);
        var proof = Convert.FromBase64String(clientFinal[(clientFinal.LastIndexOf(",p=", StringComparison.Ordinal) + 3)..]);
        for (var i = 0; i < proof.Length; i++) proof[i] ^= expectedSignature[i];
        if (!proof.AsSpan().SequenceEqual(clientKey)) throw new InvalidOperationException("the client's proof is wrong");
        var serverSignature = HMACSHA256.HashData(HMACSHA256.HashData(salted, "Server Key"u8), authMessage);
        if (wrongSignature) serverSignature[0] ^= 1;
        return Encoding.ASCII.GetBytes("v=" + Convert.ToBase64String(serverSignature));
    }

    /// <summary>An AuthenticationSASL message offering <paramref name="mechanisms"/>.</summary>
    public static byte[] Offer(params string[] mechanisms) =>
        FakeSession.Frame('R', [.. FakeSession.Int32(10), .. Encoding.ASCII.GetBytes(string.Concat(mechanisms.Select(m => m + "\0")) + "\0")]);

    public static byte[] Continue(byte[] data) => FakeSession.Frame('R', [.. FakeSession.Int32(11), .. data]);

    public static byte[] Final(byte[] data) => FakeSession.Frame('R', [.. FakeSession.Int32(12), .. data]);
}

using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace PgWire.Tests.Fakes;

/// <summary>
/// A scripted PostgreSQL server on a loopback port: it declines TLS ('N'), reads the startup packet, then runs the
/// test's script for each connection. Everything the client sent is kept, so a test can assert that a secret never
/// left the client.
/// </summary>
internal sealed class FakePgServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<FakeSession, Task> _script;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly List<FakeSession> _sessions = [];

    private readonly X509Certificate2? _certificate;

    private FakePgServer(Func<FakeSession, Task> script, bool tls)
    {
        _script = script;
        if (tls) _certificate = CreateCertificate();
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    /// <summary>A connection string for this server (no TLS, short timeouts) with <paramref name="extra"/> appended.</summary>
    public string ConnectionString(string extra = "") =>
        $"Host=127.0.0.1;Port={Port};Username=u;SSL Mode=Disable;Timeout=5;Command Timeout=5" + (extra.Length > 0 ? ";" + extra : "");

    /// <summary>Starts a server that runs <paramref name="script"/> for every connection it accepts.</summary>
    /// <param name="script">What the server does after the startup packet.</param>
    /// <param name="tls">Accept the client's SSLRequest ('S') and run TLS with a throwaway self-signed certificate.</param>
    public static FakePgServer Start(Func<FakeSession, Task> script, bool tls = false) => new(script, tls);

    /// <summary>The tls-server-end-point hash of the certificate (SHA-256 of its DER form), for checking channel binding.</summary>
    public byte[] CertificateHash => SHA256.HashData(_certificate!.RawData);

    private static X509Certificate2 CreateCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        // Through PKCS#12, so the key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>Every byte every client sent, in order of connections.</summary>
    public byte[] AllReceived()
    {
        lock (_sessions) return [.. _sessions.SelectMany(s => s.Received)];
    }

    /// <summary>Frontend message types received after startup, over all connections, in order.</summary>
    public string ReceivedTypes()
    {
        lock (_sessions) return string.Concat(_sessions.Select(s => s.Types));
    }

    /// <summary>The connections accepted so far.</summary>
    public IReadOnlyList<FakeSession> Sessions
    {
        get
        {
            lock (_sessions) return [.. _sessions];
        }
    }

    /// <summary>The connection that carried a CancelRequest, once one has (waits up to 5 s; fails the test otherwise).</summary>
    public async Task<FakeSession> CancelSessionAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (Sessions.All(s => s.CancelRequest is null) && DateTime.UtcNow < deadline) await Task.Delay(20);
        return Xunit.Assert.Single(Sessions, s => s.CancelRequest is not null);
    }

    /// <summary>Connections accepted so far.</summary>
    public int Connections
    {
        get
        {
            lock (_sessions) return _sessions.Count;
        }
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                var session = new FakeSession(client, _certificate);
                lock (_sessions) _sessions.Add(session);
                _ = Task.Run(async () =>
                {
                    using (client)
                    {
                        try
                        {
                            if (await session.ReadStartupAsync()) await _script(session);
                        }
                        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or EndOfStreamException)
                        {
                            // The client went away: that is what many tests provoke.
                        }
                    }
                });
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}

/// <summary>One client connection of a <see cref="FakePgServer"/>.</summary>
internal sealed class FakeSession(TcpClient client, X509Certificate2? certificate = null)
{
    private Stream _stream = client.GetStream();
    private readonly List<byte> _received = [];
    private readonly StringBuilder _types = new();

    public Dictionary<string, string> StartupParameters { get; } = new(StringComparer.Ordinal);

    /// <summary>Whether the connection was switched to TLS (after an SSLRequest).</summary>
    public bool IsTls => _stream is SslStream;

    /// <summary>For a connection that carried a CancelRequest: its process ID and secret key.</summary>
    public (int ProcessId, byte[] Key)? CancelRequest { get; private set; }

    /// <summary>The protocol minor version the client's StartupMessage asked for (0 for 3.0, 2 for 3.2).</summary>
    public int ProtocolMinor { get; private set; } = -1;

    public byte[] Received
    {
        get
        {
            lock (_received) return [.. _received];
        }
    }

    public string Types
    {
        get
        {
            lock (_received) return _types.ToString();
        }
    }

    /// <summary>Reads an optional SSLRequest (answered 'N') and the startup packet; false when the client sent something else (a CancelRequest).</summary>
    internal async Task<bool> ReadStartupAsync()
    {
        while (true)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(await ReadExactlyAsync(4));
            var body = await ReadExactlyAsync(length - 4);
            var code = BinaryPrimitives.ReadInt32BigEndian(body);
            if (code == 80877103)
            {
                if (certificate is null)
                {
                    await _stream.WriteAsync("N"u8.ToArray());
                    continue;
                }
                await _stream.WriteAsync("S"u8.ToArray());
                var tls = new SslStream(_stream);
                await tls.AuthenticateAsServerAsync(certificate);
                _stream = tls;
                continue;
            }
            if (code == 80877102)
            {
                CancelRequest = (BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(4)), body[8..]);
                return false;
            }
            if (code >> 16 != 3 || (code & 0xFFFF) > 0xFF) return false;
            ProtocolMinor = code & 0xFFFF;
            var parts = Encoding.UTF8.GetString(body, 4, body.Length - 4).Split('\0');
            for (var i = 0; i + 1 < parts.Length; i += 2)
                if (parts[i].Length > 0) StartupParameters[parts[i]] = parts[i + 1];
            return true;
        }
    }

    /// <summary>Reads one frontend message; (\0, []) when the client closed the connection.</summary>
    public async Task<(char Type, byte[] Body)> ReadAsync()
    {
        var header = new byte[5];
        var read = 0;
        while (read < 5)
        {
            var n = await _stream.ReadAsync(header.AsMemory(read));
            if (n == 0) return ('\0', []);
            read += n;
        }
        Record(header);
        var body = await ReadExactlyAsync(BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1)) - 4);
        lock (_received) _types.Append((char)header[0]);
        return ((char)header[0], body);
    }

    /// <summary>Reads frontend messages up to and including Sync (or a simple Query, or Terminate).</summary>
    public async Task<List<(char Type, byte[] Body)>> ReadRequestAsync()
    {
        var messages = new List<(char, byte[])>();
        while (true)
        {
            var message = await ReadAsync();
            messages.Add(message);
            if (message.Type is 'S' or 'Q' or 'X' or '\0') return messages;
        }
    }

    public async Task SendAsync(params byte[][] frames)
    {
        foreach (var frame in frames) await _stream.WriteAsync(frame);
        await _stream.FlushAsync();
    }

    /// <summary>Answers the type catalog query a data source runs on its first connection with no rows.</summary>
    public async Task ServeEmptyCatalogAsync()
    {
        var request = await ReadRequestAsync();
        if (request[^1].Type != 'Q') throw new InvalidOperationException("expected the catalog query");
        await SendAsync(Frame('C', "SELECT 0\0"u8.ToArray()), Frame('Z', (byte)'I'));
    }

    /// <summary>AuthenticationOk, the parameters PgWire needs, BackendKeyData and ReadyForQuery.</summary>
    public Task SendLoginOkAsync() => SendAsync(Frame('R', Int32(0)), StartupRest());

    /// <summary>What follows AuthenticationOk in a successful startup.</summary>
    public static byte[] StartupRest() =>
    [
        .. Frame('S', "server_version\015.0\0"u8.ToArray()),
        .. Frame('S', "integer_datetimes\0on\0"u8.ToArray()),
        .. Frame('K', [.. Int32(4242), .. Int32(7)]),
        .. Frame('Z', (byte)'I'),
    ];

    /// <summary>Keeps the connection open (a client that waits for more must not hang on it) until the client closes it or the time is up.</summary>
    public async Task HoldAsync(TimeSpan time)
    {
        using var cts = new CancellationTokenSource(time);
        try
        {
            while ((await ReadAsync().WaitAsync(cts.Token)).Type != '\0') { }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>A backend message: type byte, Int32 length (itself included), body.</summary>
    public static byte[] Frame(char code, params byte[] body) => Protocol.FrameReaderTests.Frame(code, body);

    public static byte[] Int32(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }

    /// <summary>An ErrorResponse with severity, SQLSTATE and message.</summary>
    public static byte[] Error(string severity, string sqlState, string message) =>
        Frame('E', Encoding.UTF8.GetBytes($"S{severity}\0V{severity}\0C{sqlState}\0M{message}\0\0"));

    private async Task<byte[]> ReadExactlyAsync(int count)
    {
        var buffer = new byte[count];
        await _stream.ReadExactlyAsync(buffer);
        Record(buffer);
        return buffer;
    }

    private void Record(byte[] bytes)
    {
        lock (_received) _received.AddRange(bytes);
    }
}

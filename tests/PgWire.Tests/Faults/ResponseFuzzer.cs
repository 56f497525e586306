using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PgWire.Tests.Faults;

/// <summary>
/// A mutation fuzzer of backend responses. A small fake server answers every request the way PostgreSQL would (one
/// int4 and one text column, three rows per Execute), and each fuzz case mutates the bytes it sends on one connection:
/// bits and bytes changed, bytes deleted, the stream truncated, frames dropped, duplicated, swapped or invented,
/// lengths and counts altered. The client must end every case with a result or one of PgWire's exceptions, within a
/// bound, with bounded memory, and must never return a row count as success that the frames it received contradict.
/// </summary>
internal sealed class ResponseFuzzer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _connections;

    /// <summary>How long the server waits for the next request after a mutated answer before it goes away (PGWIRE_FUZZ_IDLE_MS).</summary>
    private static readonly TimeSpan s_idleWait = TimeSpan.FromMilliseconds(
        int.TryParse(Environment.GetEnvironmentVariable("PGWIRE_FUZZ_IDLE_MS"), out var ms) ? ms : 30);

    /// <summary>The mutation plan for the next connection: its seed, or null for a faithful server.</summary>
    public int? NextSeed { get; set; }

    /// <summary>What the last fuzzed connection's execute response looked like after mutation (for the row-count oracle).</summary>
    public ExecuteScan LastScan { get; set; } = ExecuteScan.NotFuzzed;

    /// <summary>The last execute answer sent to a fuzzed connection, as sent (for a failure's message).</summary>
    public byte[] LastExecuteAnswer { get; private set; } = [];

    public int Port { get; }

    public ResponseFuzzer()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                var seed = NextSeed;
                NextSeed = null;
                Interlocked.Increment(ref _connections);
                _ = Task.Run(() => ServeAsync(socket, seed));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    /// <summary>The valid answers this connection will give, one per request (the startup first), before mutation.</summary>
    private static byte[] Answer(List<(char Type, byte[] Body)> request)
    {
        var answer = new List<byte>();
        var portalDescribed = false;
        foreach (var (type, body) in request)
        {
            switch (type)
            {
                case 'P': answer.AddRange(Frame('1')); break;
                case 'B': answer.AddRange(Frame('2')); portalDescribed = false; break;
                case 'C': answer.AddRange(Frame('3')); break;
                case 'D':
                    if (body[0] == (byte)'S') answer.AddRange(Frame('t', 0, 0));
                    else portalDescribed = true;
                    answer.AddRange(s_rowDescription);
                    break;
                case 'E':
                    _ = portalDescribed;
                    for (var i = 1; i <= 3; i++) answer.AddRange(Row(i));
                    answer.AddRange(Frame('C', [.. "SELECT 3"u8, 0]));
                    break;
                case 'S': answer.AddRange(Frame('Z', (byte)'I')); break;
                case 'H': break;
                case 'Q':
                    // The type catalog query (or any script): no rows.
                    answer.AddRange(Frame('C', [.. "SELECT 0"u8, 0]));
                    answer.AddRange(Frame('Z', (byte)'I'));
                    break;
            }
        }
        return [.. answer];
    }

    private static readonly byte[] s_startup =
    [
        .. Frame('R', 0, 0, 0, 0),
        .. Frame('S', [.. "server_version\015.0\0"u8]),
        .. Frame('S', [.. "integer_datetimes\0on\0"u8]),
        .. Frame('S', [.. "TimeZone\0UTC\0"u8]),
        .. Frame('K', 0, 0, 0, 1, 0, 0, 0, 2),
        .. Frame('Z', (byte)'I'),
    ];

    // One int4 column "a" and one text column "b", both binary.
    private static readonly byte[] s_rowDescription = Frame('T',
        0, 2,
        (byte)'a', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 23, 0, 4, 0xFF, 0xFF, 0xFF, 0xFF, 0, 1,
        (byte)'b', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 25, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 1);

    private static byte[] Row(int i) => Frame('D', [0, 2, 0, 0, 0, 4, 0, 0, 0, (byte)i, 0, 0, 0, 5, .. Encoding.ASCII.GetBytes($"row {i}")]);

    internal static byte[] Frame(char code, params byte[] body) => Fakes.FakeSession.Frame(code, body);

    private async Task ServeAsync(Socket socket, int? seed)
    {
        using var _ = socket;
        using var stream = new NetworkStream(socket);
        var random = seed is { } s ? new Random(s) : null;
        try
        {
            // SSLRequest answered N, then the startup packet.
            while (true)
            {
                var head = new byte[8];
                await stream.ReadExactlyAsync(head);
                var rest = new byte[BinaryPrimitives.ReadInt32BigEndian(head) - 8];
                await stream.ReadExactlyAsync(rest);
                if (BinaryPrimitives.ReadInt32BigEndian(head.AsSpan(4)) == 80877103)
                {
                    await stream.WriteAsync("N"u8.ToArray());
                    continue;
                }
                break;
            }
            // Which segment (startup = 0, then each response) gets mutated; 3 and above: none reached, a clean case.
            var target = random?.Next(0, 4);
            var segment = 0;
            var answer = s_startup;
            var afterMutation = false;
            while (true)
            {
                var isExecute = false;
                if (segment > 0)
                {
                    var reading = ReadRequestAsync(stream);
                    // After a mutated answer the client may be waiting for bytes that will never come: a server
                    // that hears nothing more goes away, so the client sees the end instead of its timeouts.
                    if (afterMutation && await Task.WhenAny(reading, Task.Delay(s_idleWait)) != reading)
                    {
                        socket.Shutdown(SocketShutdown.Send);
                        try
                        {
                            await reading;
                        }
                        catch (Exception e) when (e is IOException or SocketException or EndOfStreamException)
                        {
                        }
                        return;
                    }
                    var request = await reading;
                    if (request is null) return;
                    isExecute = request.Any(m => m.Type == 'E');
                    answer = Answer(request);
                }
                var mutate = random is not null && segment == target;
                var mutated = mutate ? Mutator.Mutate(answer, random!) : answer;
                // The row-count oracle holds when nothing before this answer was mutated.
                if (random is not null && isExecute)
                {
                    LastScan = target >= segment ? ExecuteScan.Of(mutated) : ExecuteScan.NotFuzzed;
                    LastExecuteAnswer = mutated;
                }
                await stream.WriteAsync(mutated);
                afterMutation |= mutate;
                segment++;
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or EndOfStreamException or OperationCanceledException)
        {
        }
    }

    private static async Task<List<(char Type, byte[] Body)>?> ReadRequestAsync(NetworkStream stream)
    {
        var messages = new List<(char, byte[])>();
        while (true)
        {
            var head = new byte[5];
            try
            {
                await stream.ReadExactlyAsync(head);
            }
            catch (EndOfStreamException)
            {
                return null;
            }
            var body = new byte[BinaryPrimitives.ReadInt32BigEndian(head.AsSpan(1)) - 4];
            await stream.ReadExactlyAsync(body);
            var type = (char)head[0];
            if (type == 'X') return null;
            messages.Add((type, body));
            if (type is 'S' or 'Q') return messages;
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

/// <summary>The frames of a (mutated) execute response up to its first ReadyForQuery, as the client would read them.</summary>
internal readonly record struct ExecuteScan(bool Known, bool Consistent, long Rows)
{
    public static readonly ExecuteScan NotFuzzed = new(false, false, 0);

    /// <summary>
    /// Scans the frames: the answer is "consistent" when every frame parses, the first CommandComplete counts exactly the
    /// DataRows before it, and ReadyForQuery follows. Only then may the client report success, with exactly that count.
    /// </summary>
    public static ExecuteScan Of(byte[] bytes)
    {
        var at = 0;
        long dataRows = 0;
        long? tagRows = null;
        while (at + 5 <= bytes.Length)
        {
            var type = (char)bytes[at];
            var length = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(at + 1));
            if (length < 4 || at + 1 + length > bytes.Length) return new(true, false, 0);
            var body = bytes.AsSpan(at + 5, length - 4);
            switch (type)
            {
                case 'D' when tagRows is null: dataRows++; break;
                case 'C' when tagRows is null:
                    // A tag the client takes: printable ASCII; a counting verb with a count must agree, another tag has none.
                    if (body.Length == 0 || body[^1] != 0 || body[..^1].ToArray().Any(b => b is < 0x20 or > 0x7E)) return new(true, false, 0);
                    var text = Encoding.ASCII.GetString(body[..^1]);
                    var words = text.Split(' ');
                    var counting = words[0] is "SELECT" or "FETCH" or "INSERT" or "UPDATE" or "DELETE" or "MERGE";
                    tagRows = !counting || words.Length < 2 ? dataRows : long.TryParse(words[^1], System.Globalization.NumberStyles.None, null, out var n) ? n : -1;
                    break;
                case 'Z':
                    return new(true, tagRows == dataRows, dataRows);
            }
            at += 1 + length;
        }
        return new(true, false, 0);
    }
}

/// <summary>The mutation operators.</summary>
internal static class Mutator
{
    private static readonly char[] s_backendTypes = ['1', '2', '3', 'C', 'D', 'E', 'I', 'K', 'N', 'A', 'n', 'R', 'S', 's', 't', 'T', 'Z', 'G', 'H', 'W', 'd', 'c', 'V', 'v'];

    public static byte[] Mutate(byte[] input, Random random)
    {
        var bytes = new List<byte>(input);
        var count = random.Next(1, 4);
        for (var i = 0; i < count && bytes.Count > 0; i++)
        {
            var frames = Frames(bytes);
            switch (random.Next(0, 11))
            {
                case 0: // flip a bit
                    var bit = random.Next(bytes.Count);
                    bytes[bit] ^= (byte)(1 << random.Next(8));
                    break;
                case 1: // a random byte
                    bytes[random.Next(bytes.Count)] = (byte)random.Next(256);
                    break;
                case 2: // an extreme byte
                    bytes[random.Next(bytes.Count)] = random.Next(2) == 0 ? (byte)0 : (byte)0xFF;
                    break;
                case 3: // truncate
                    var keep = random.Next(bytes.Count);
                    bytes.RemoveRange(keep, bytes.Count - keep);
                    break;
                case 4: // delete a range
                    var from = random.Next(bytes.Count);
                    bytes.RemoveRange(from, Math.Min(bytes.Count - from, random.Next(1, 9)));
                    break;
                case 5 when frames.Count > 0: // drop a frame
                    var drop = frames[random.Next(frames.Count)];
                    bytes.RemoveRange(drop.Start, drop.Length);
                    break;
                case 6 when frames.Count > 0: // duplicate a frame
                    var dup = frames[random.Next(frames.Count)];
                    bytes.InsertRange(dup.Start, bytes.GetRange(dup.Start, dup.Length));
                    break;
                case 7 when frames.Count > 1: // swap two neighbours
                    var k = random.Next(frames.Count - 1);
                    var (a, b) = (frames[k], frames[k + 1]);
                    var first = bytes.GetRange(a.Start, a.Length);
                    var second = bytes.GetRange(b.Start, b.Length);
                    bytes.RemoveRange(a.Start, a.Length + b.Length);
                    bytes.InsertRange(a.Start, [.. second, .. first]);
                    break;
                case 8: // invent a frame
                    var body = new byte[random.Next(0, 12)];
                    random.NextBytes(body);
                    var at = frames.Count > 0 ? frames[random.Next(frames.Count)].Start : 0;
                    bytes.InsertRange(at, ResponseFuzzer.Frame(s_backendTypes[random.Next(s_backendTypes.Length)], body));
                    break;
                case 9 when frames.Count > 0: // a frame's length
                    var f = frames[random.Next(frames.Count)];
                    var length = BinaryPrimitives.ReadInt32BigEndian(bytes.GetRange(f.Start + 1, 4).ToArray());
                    var changed = random.Next(4) switch { 0 => length + random.Next(1, 5), 1 => length - random.Next(1, 5), 2 => random.Next(), _ => -random.Next(1, 100) };
                    var field = new byte[4];
                    BinaryPrimitives.WriteInt32BigEndian(field, changed);
                    for (var j = 0; j < 4; j++) bytes[f.Start + 1 + j] = field[j];
                    break;
                case 10 when frames.Count > 0: // a count or length inside a body (Int16 or Int32 at a random even place)
                    var g = frames[random.Next(frames.Count)];
                    if (g.Length > 7)
                    {
                        var p = g.Start + 5 + random.Next(g.Length - 6);
                        bytes[p] = (byte)(random.Next(2) == 0 ? 0x7F : 0xFF);
                        bytes[p + 1] = (byte)random.Next(256);
                    }
                    break;
            }
        }
        return [.. bytes];
    }

    private static List<(int Start, int Length)> Frames(List<byte> bytes)
    {
        var frames = new List<(int, int)>();
        var at = 0;
        while (at + 5 <= bytes.Count)
        {
            var length = (bytes[at + 1] << 24) | (bytes[at + 2] << 16) | (bytes[at + 3] << 8) | bytes[at + 4];
            if (length < 4 || at + 1 + length > bytes.Count) break;
            frames.Add((at, 1 + length));
            at += 1 + length;
        }
        return frames;
    }
}

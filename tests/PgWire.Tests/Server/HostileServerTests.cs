using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using PgWire.Tests.Protocol;
using Xunit;

namespace PgWire.Tests.Server;

/// <summary>
/// A fake server that completes startup and then answers with scripted, broken bytes. Whatever it sends, the client
/// must fail with a clear exception, quickly, and never hang.
/// </summary>
public class HostileServerTests
{
    private static readonly byte[] s_startup =
    [
        .. FrameReaderTests.Frame('R', 0, 0, 0, 0),
        .. FrameReaderTests.Frame('S', "server_version\015.0\0"u8.ToArray()),
        .. FrameReaderTests.Frame('S', "integer_datetimes\0on\0"u8.ToArray()),
        .. FrameReaderTests.Frame('K', 0, 0, 0, 1, 0, 0, 0, 2),
        .. FrameReaderTests.Frame('Z', (byte)'I'),
    ];

    // Describe-phase answer for a one-column int4 result.
    private static readonly byte[] s_rowDescription = FrameReaderTests.Frame('T',
        0, 1, (byte)'x', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 23, 0, 4, 0xFF, 0xFF, 0xFF, 0xFF, 0, 1);

    private static readonly byte[] s_describeOk =
    [
        .. FrameReaderTests.Frame('1'),
        .. FrameReaderTests.Frame('t', 0, 0),
        .. s_rowDescription,
        .. FrameReaderTests.Frame('Z', (byte)'I'),
    ];

    // The answer to the type catalog query a data source runs on its first connection: no rows.
    private static readonly byte[] s_emptyCatalog =
    [
        .. FrameReaderTests.Frame('C', "SELECT 0\0"u8.ToArray()),
        .. FrameReaderTests.Frame('Z', (byte)'I'),
    ];

    private static Task<Exception> RunAgainst(string extra, params byte[][] responses) =>
        RunAgainst(extra, async dataSource => await dataSource.QueryAsync("SELECT 1"), responses);

    private static async Task<Exception> RunAgainst(string extra, Func<PgWireDataSource, Task> act, params byte[][] responses)
    {
        var (port, _) = Serve(responses);
        await using var dataSource = PgWireDataSource.Create($"Host=127.0.0.1;Port={port};Username=u;Timeout=5;Command Timeout=5{extra}");
        var watch = Stopwatch.StartNew();
        var e = await Record.ExceptionAsync(() => act(dataSource));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), $"the client took {watch.Elapsed} to give up");
        Assert.NotNull(e);
        Assert.Equal(0, dataSource.OpenConnectionCount); // the broken connection was not kept
        return e;
    }

    /// <summary>
    /// Starts the fake server: startup (declining TLS with 'N' when the client asks for it), then each response after
    /// the next request; returns its port.
    /// </summary>
    private static (int Port, Task Server) Serve(byte[][] responses) => Serve(responses, "N"u8.ToArray());

    private static bool IsSslRequest(byte[] buffer) =>
        BinaryPrimitives.ReadInt32BigEndian(buffer) == 8 && BinaryPrimitives.ReadInt32BigEndian(buffer.AsSpan(4)) == 80877103;

    /// <summary>The fake server, answering an SSLRequest with <paramref name="sslAnswer"/> (going on with the startup after "N" only).</summary>
    private static (int Port, Task Server) Serve(byte[][] responses, byte[] sslAnswer)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var serverTask = Task.Run(async () =>
        {
            using (listener)
            {
                using var client = await listener.AcceptTcpClientAsync();
                listener.Stop();
                var stream = client.GetStream();
                var buffer = new byte[65536];
                await ReadUntil(stream, buffer, startup: true);
                if (IsSslRequest(buffer))
                {
                    await stream.WriteAsync(sslAnswer);
                    if (sslAnswer is not [(byte)'N'])
                    {
                        await Task.Delay(3000);
                        return;
                    }
                    await ReadUntil(stream, buffer, startup: true);
                }
                await stream.WriteAsync(s_startup);
                foreach (var response in responses)
                {
                    await ReadUntil(stream, buffer, startup: false);
                    await stream.WriteAsync(response);
                }
                await Task.Delay(3000); // keep the socket open: a client waiting for more must not hang on it
            }
        });
        return (port, serverTask);
    }

    /// <summary>Reads a startup packet (length-prefixed), a whole simple Query, or frontend messages up to and including a Sync.</summary>
    private static async Task ReadUntil(NetworkStream stream, byte[] buffer, bool startup)
    {
        var total = 0;
        while (true)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(total));
            if (read == 0) return;
            total += read;
            if (startup && total >= 4 && total >= BinaryPrimitives.ReadInt32BigEndian(buffer)) return;
            if (!startup && total >= 5 && buffer[total - 5] == (byte)'S' && BinaryPrimitives.ReadInt32BigEndian(buffer.AsSpan(total - 4)) == 4) return;
            if (!startup && total >= 5 && buffer[0] == (byte)'Q' && total >= 1 + BinaryPrimitives.ReadInt32BigEndian(buffer.AsSpan(1))) return;
        }
    }

    /// <summary>A binary COPY export whose data (after a valid header) is <paramref name="rows"/>, then CopyDone.</summary>
    private static Task<Exception> ExportAgainst(byte[] rows)
    {
        byte[] header = [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0, 0, 0, 0, 0, 0, 0, 0, 0];
        byte[] copy =
        [
            .. FrameReaderTests.Frame('H', 1, 0, 1, 0, 1),
            .. FrameReaderTests.Frame('d', header),
            .. FrameReaderTests.Frame('d', rows),
            .. FrameReaderTests.Frame('c'),
            .. FrameReaderTests.Frame('C', "COPY 1\0"u8.ToArray()),
            .. FrameReaderTests.Frame('Z', (byte)'I'),
        ];
        return RunAgainst("", async dataSource =>
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            await using var exporter = await connection.BeginBinaryExportAsync("COPY (SELECT 1 AS x) TO STDOUT (FORMAT BINARY)");
            while (await exporter.StartRowAsync() != -1) exporter.Read<int>();
        }, s_emptyCatalog, s_describeOk, copy);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(7)]
    [InlineData(64)]
    public async Task Binary_copy_data_split_anywhere_across_messages_reads_the_same_rows(int chunk)
    {
        // The server sends a row per CopyData, but the protocol allows any split: header and rows cut into pieces.
        byte[] data =
        [
            (byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0,
            0, 0, 0, 0, 0, 0, 0, 3, 9, 9, 9, // flags 0, a 3-byte header extension (skipped)
            0, 1, 0, 0, 0, 4, 0, 0, 0, 42,
            0, 1, 0xFF, 0xFF, 0xFF, 0xFF,
            0, 1, 0, 0, 0, 4, 0x7F, 0xFF, 0xFF, 0xFF,
            0xFF, 0xFF,
        ];
        var copy = new List<byte>(FrameReaderTests.Frame('H', 1, 0, 1, 0, 1));
        for (var at = 0; at < data.Length; at += chunk) copy.AddRange(FrameReaderTests.Frame('d', data[at..Math.Min(data.Length, at + chunk)]));
        copy.AddRange([.. FrameReaderTests.Frame('c'), .. FrameReaderTests.Frame('C', "COPY 3\0"u8.ToArray()), .. FrameReaderTests.Frame('Z', (byte)'I')]);
        var (port, _) = Serve([s_emptyCatalog, s_describeOk, copy.ToArray()]);
        await using var dataSource = PgWireDataSource.Create($"Host=127.0.0.1;Port={port};Username=u;Timeout=5;Command Timeout=5");
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var exporter = await connection.BeginBinaryExportAsync("COPY (SELECT 1 AS x) TO STDOUT (FORMAT BINARY)");
        var values = new List<int?>();
        while (await exporter.StartRowAsync() != -1) values.Add(exporter.Read<int?>());
        Assert.Equal([42, null, int.MaxValue], values);
        Assert.True(exporter.IsCompleted);
    }

    [Fact]
    public async Task A_binary_copy_row_with_the_wrong_field_count_is_refused()
    {
        var e = await ExportAgainst([0, 2, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 2]);
        Assert.IsType<PgWireProtocolException>(e);
        Assert.Contains("has 2 fields but the COPY has 1 columns", e.Message);
    }

    [Fact]
    public async Task A_binary_copy_whose_row_count_disagrees_with_CommandComplete_is_refused()
    {
        // Two whole rows and the trailer, but the server's tag says COPY 1.
        var e = await ExportAgainst([0, 1, 0, 0, 0, 4, 0, 0, 0, 1, 0, 1, 0, 0, 0, 4, 0, 0, 0, 2, 0xFF, 0xFF]);
        Assert.IsType<PgWireProtocolException>(e);
        Assert.Contains("reports 1 rows but 2 rows arrived", e.Message);
    }

    [Fact]
    public async Task A_binary_copy_field_longer_than_the_data_is_refused()
    {
        var e = await ExportAgainst([0, 1, 0x10, 0, 0, 0, 1, 2, 3]);
        Assert.IsType<PgWireProtocolException>(e);
        Assert.Contains("ended inside row 1", e.Message);
    }

    [Fact]
    public async Task A_binary_copy_field_with_a_negative_length_is_refused()
    {
        var e = await ExportAgainst([0, 1, 0xFF, 0xFF, 0xFF, 0xF0]);
        Assert.IsType<PgWireProtocolException>(e);
        Assert.Contains("declares length -16", e.Message);
    }

    [Fact]
    public async Task A_frame_length_below_four_breaks_the_connection_with_a_protocol_exception()
    {
        var e = await RunAgainst("", [(byte)'1', 0, 0, 0, 2]);
        Assert.IsType<PgWireProtocolException>(e);
        Assert.Contains("length 2", e.Message);
    }

    [Fact]
    public async Task An_oversized_frame_is_refused_without_waiting_for_its_bytes()
    {
        var e = await RunAgainst(";Max Message Size=65536", [(byte)'D', 0x7F, 0xFF, 0xFF, 0xF0]);
        Assert.IsType<PgWireProtocolException>(e);
        Assert.Contains("above the maximum of 65536", e.Message);
    }

    [Fact]
    public async Task A_DataRow_whose_column_runs_past_the_row_is_refused()
    {
        byte[] bad = [.. FrameReaderTests.Frame('2'), .. s_rowDescription, .. FrameReaderTests.Frame('D', 0, 1, 0, 0, 1, 0, 1, 2, 3, 4)];
        var e = await RunAgainst("", s_emptyCatalog, s_describeOk, bad);
        Assert.IsType<PgWireProtocolException>(e);
        Assert.Contains("claims 256 bytes", e.Message);
    }

    [Fact]
    public async Task A_DataRow_before_any_RowDescription_is_refused()
    {
        var e = await RunAgainst("", FrameReaderTests.Frame('D', 0, 0));
        Assert.IsType<PgWireProtocolException>(e);
    }

    [Fact]
    public async Task An_unexpected_message_is_refused()
    {
        var e = await RunAgainst("", FrameReaderTests.Frame('W', 0, 0, 0));
        Assert.IsType<PgWireProtocolException>(e);
        Assert.Contains("COPY", e.Message);
    }

    [Fact]
    public async Task A_server_that_closes_mid_frame_is_a_clear_error()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var server = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            var buffer = new byte[4096];
            await ReadUntil(client.GetStream(), buffer, startup: true);
            await client.GetStream().WriteAsync(s_startup.AsMemory(0, 7)); // half a message, then gone
        });
        await using var dataSource = PgWireDataSource.Create($"Host=127.0.0.1;Port={port};Username=u;Timeout=5;SSL Mode=Disable");
        var e = await Assert.ThrowsAsync<PgWireException>(async () => await dataSource.QueryAsync("SELECT 1"));
        Assert.Contains("closed the connection", e.Message);
        await server;
    }

    [Fact]
    public async Task A_server_without_tls_is_used_unencrypted_under_Prefer_and_refused_under_Require()
    {
        // Prefer (the default): the fake server answers 'N' and the connection opens (the type catalog query answered).
        var (port, _) = Serve([s_emptyCatalog]);
        await using (var dataSource = PgWireDataSource.Create($"Host=127.0.0.1;Port={port};Username=u;Timeout=5"))
        await using (var connection = await dataSource.OpenConnectionAsync())
            Assert.False(connection.IsSecure);

        foreach (var mode in new[] { "Require", "VerifyCA", "VerifyFull" })
        {
            var e = await RunAgainst($";SSL Mode={mode}");
            Assert.IsType<PgWireException>(e);
            Assert.Contains("does not accept TLS", e.Message);
            Assert.Contains($"SSL Mode={mode}", e.Message);
        }
    }

    [Theory]
    [InlineData(new byte[] { (byte)'X' }, "0x58")]
    [InlineData(new byte[] { (byte)'E' }, "answered the TLS request with an error")]
    public async Task A_tls_answer_other_than_S_or_N_is_refused(byte[] answer, string expected)
    {
        var (port, _) = Serve([], answer);
        await using var dataSource = PgWireDataSource.Create($"Host=127.0.0.1;Port={port};Username=u;Timeout=5");
        var e = await Assert.ThrowsAnyAsync<PgWireException>(async () => await dataSource.QueryAsync("SELECT 1"));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public async Task Plaintext_after_S_never_passes_for_the_server_s_answer()
    {
        // A machine in the middle says 'S' and goes on in plaintext with a whole successful startup: the bytes go to the
        // TLS handshake, which fails, instead of being read as the server's messages.
        var (port, _) = Serve([], [(byte)'S', .. s_startup]);
        await using var dataSource = PgWireDataSource.Create($"Host=127.0.0.1;Port={port};Username=u;Timeout=5");
        var watch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<PgWireException>(async () => await dataSource.QueryAsync("SELECT 1"));
        Assert.Contains("TLS", e.Message);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), $"the client took {watch.Elapsed} to give up");
        Assert.Equal(0, dataSource.OpenConnectionCount);
    }
}

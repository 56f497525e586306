using System.Diagnostics;
using PgWire.Tests.Fakes;
using Xunit;

namespace PgWire.Tests.Faults;

/// <summary>
/// A server that loses or invents rows, or answers out of order, never gets its result returned as success: every
/// path that reads rows (buffered, streaming, ADO.NET, pipeline, multiplexed, COPY) refuses it with a
/// <see cref="PgWireProtocolException"/> and the connection is closed (issue 12, defect 8).
/// </summary>
public class RowCountTests
{
    // RowDescription of one int4 column "x", binary.
    private static readonly byte[] s_rowDescription = FakeSession.Frame('T',
        0, 1, (byte)'x', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 23, 0, 4, 0xFF, 0xFF, 0xFF, 0xFF, 0, 1);

    private static byte[] Row(int value) => FakeSession.Frame('D', [0, 1, 0, 0, 0, 4, .. FakeSession.Int32(value)]);

    private static byte[] Complete(string tag) => FakeSession.Frame('C', [.. System.Text.Encoding.ASCII.GetBytes(tag), 0]);

    private static readonly byte[] s_ready = FakeSession.Frame('Z', (byte)'I');
    private static readonly byte[] s_parsed = FakeSession.Frame('1');
    private static readonly byte[] s_bound = FakeSession.Frame('2');

    /// <summary>
    /// A fake server: login, an empty type catalog, Parse/Describe requests answered with one int4 column, and every
    /// request that executes answered with <paramref name="execute"/> (per Execute message: the pipeline gets one copy per query).
    /// </summary>
    private static FakePgServer Serve(Func<int, byte[]> execute) => FakePgServer.Start(async session =>
    {
        await session.SendLoginOkAsync();
        await session.ServeEmptyCatalogAsync();
        while (true)
        {
            var request = await session.ReadRequestAsync();
            if (request[^1].Type is '\0' or 'X') return;
            var executes = request.Count(m => m.Type == 'E');
            if (executes == 0)
            {
                // Describe round trip: per Parse, ParseComplete, ParameterDescription (none) and the row description.
                var described = new List<byte>();
                foreach (var message in request.Where(m => m.Type == 'P')) described.AddRange([.. s_parsed, .. FakeSession.Frame('t', 0, 0), .. s_rowDescription]);
                await session.SendAsync([.. described, .. s_ready]);
                continue;
            }
            var answer = execute(executes);
            // A statement whose columns the client knew was not described: no RowDescription is due.
            if (!request.Any(m => m.Type == 'D')) answer = Without(answer, s_rowDescription);
            await session.SendAsync(answer);
        }
    });

    private static byte[] Without(byte[] bytes, byte[] frame)
    {
        var result = new List<byte>(bytes);
        for (var at = FindFrom(result, frame, 0); at >= 0; at = FindFrom(result, frame, at)) result.RemoveRange(at, frame.Length);
        return [.. result];
    }

    private static int FindFrom(List<byte> bytes, byte[] frame, int from)
    {
        for (var i = from; i + frame.Length <= bytes.Count; i++)
            if (bytes.Skip(i).Take(frame.Length).SequenceEqual(frame)) return i;
        return -1;
    }

    private static async Task<PgWireProtocolException> Refused(FakePgServer server, Func<PgWireDataSource, Task> act, string extra = "")
    {
        await using var dataSource = PgWireDataSource.Create(server.ConnectionString(extra));
        var watch = Stopwatch.StartNew();
        var e = await Record.ExceptionAsync(() => act(dataSource));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), $"took {watch.Elapsed}");
        var protocol = e as PgWireProtocolException ?? e?.InnerException as PgWireProtocolException;
        Assert.True(protocol is not null, $"expected a protocol exception, got {e}");
        Assert.Equal(0, dataSource.OpenConnectionCount); // broken, not kept
        return protocol!;
    }

    private static readonly Func<PgWireDataSource, Task> s_buffered = async d => { using var rows = await d.QueryAsync("SELECT x FROM t"); };

    private static readonly Func<PgWireDataSource, Task> s_streaming = async d =>
    {
        await using var reader = await d.QueryStreamingAsync("SELECT x FROM t");
        while (await reader.ReadAsync()) { }
    };

    private static readonly Func<PgWireDataSource, Task> s_adoNet = async d =>
    {
        await using var connection = await d.OpenConnectionAsync();
        await using var command = new PgWireCommand("SELECT x FROM t", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) { }
    };

    private static readonly Func<PgWireDataSource, Task> s_dapperLike = async d =>
    {
        await using var connection = await d.OpenConnectionAsync();
        await using var command = new PgWireCommand("SELECT x FROM t", connection);
        _ = await command.ExecuteScalarAsync();
    };

    public static TheoryData<string> Paths => ["buffered", "streaming", "ado.net", "scalar", "multiplexed"];

    private static Task<PgWireProtocolException> RunPath(string path, FakePgServer server) => path switch
    {
        "buffered" => Refused(server, s_buffered),
        "streaming" => Refused(server, s_streaming),
        "ado.net" => Refused(server, s_adoNet),
        "scalar" => Refused(server, s_dapperLike),
        "multiplexed" => Refused(server, s_buffered, "Multiplexing=true"),
        _ => throw new ArgumentOutOfRangeException(nameof(path)),
    };

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task A_dropped_DataRow_is_refused(string path)
    {
        await using var server = Serve(_ => [.. s_parsed, .. s_bound, .. s_rowDescription, .. Row(1), .. Row(2), .. Complete("SELECT 3"), .. s_ready]);
        var e = await RunPath(path, server);
        Assert.Contains("reports 3 rows but 2", e.Message);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task A_duplicated_DataRow_is_refused(string path)
    {
        await using var server = Serve(_ => [.. s_parsed, .. s_bound, .. s_rowDescription, .. Row(1), .. Row(1), .. Complete("SELECT 1"), .. s_ready]);
        var e = await RunPath(path, server);
        Assert.Contains("reports 1 rows but 2", e.Message);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task CommandComplete_before_BindComplete_is_refused(string path)
    {
        await using var server = Serve(_ => [.. s_parsed, .. Complete("SELECT 0"), .. s_bound, .. s_rowDescription, .. s_ready]);
        var e = await RunPath(path, server);
        Assert.Contains("CommandComplete", e.Message);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task ReadyForQuery_without_CommandComplete_is_refused(string path)
    {
        await using var server = Serve(_ => [.. s_parsed, .. s_bound, .. s_rowDescription, .. Row(1), .. s_ready]);
        var e = await RunPath(path, server);
        Assert.Contains("ReadyForQuery", e.Message);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task A_DataRow_after_CommandComplete_is_refused(string path)
    {
        await using var server = Serve(_ => [.. s_parsed, .. s_bound, .. s_rowDescription, .. Row(1), .. Complete("SELECT 1"), .. Row(2), .. s_ready]);
        await RunPath(path, server);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Rows_ended_by_EmptyQueryResponse_instead_of_CommandComplete_are_refused(string path)
    {
        // Found by the long fuzz run: EmptyQueryResponse ends only an empty statement, which has neither columns nor rows.
        await using var server = Serve(_ => [.. s_parsed, .. s_bound, .. s_rowDescription, .. Row(1), .. Row(2), .. FakeSession.Frame('I'), .. s_ready]);
        await RunPath(path, server);
    }

    [Fact]
    public async Task A_pipeline_whose_row_counts_disagree_is_refused()
    {
        // Two queries: the second's rows dropped.
        await using var server = Serve(n => n != 2 ? throw new InvalidOperationException() :
            [.. s_parsed, .. s_bound, .. s_rowDescription, .. Row(1), .. Complete("SELECT 1"),
             .. s_parsed, .. s_bound, .. s_rowDescription, .. Complete("SELECT 1"), .. s_ready]);
        var e = await Refused(server, async d => { using var r = await d.PipelineAsync("SELECT x FROM t", [[], []]); });
        Assert.Contains("reports 1 rows but 0", e.Message);
    }

    [Fact]
    public async Task A_pipeline_answered_short_is_refused()
    {
        await using var server = Serve(n => [.. s_parsed, .. s_bound, .. s_rowDescription, .. Row(1), .. Complete("SELECT 1"), .. s_ready]);
        var e = await Refused(server, async d => { using var r = await d.PipelineAsync("SELECT x FROM t", [[], [], []]); });
        Assert.Contains("after 1 of the pipeline's 3 queries", e.Message);
    }

    [Fact]
    public async Task A_text_COPY_whose_row_count_disagrees_is_refused()
    {
        await using var server = FakePgServer.Start(async session =>
        {
            await session.SendLoginOkAsync();
            await session.ServeEmptyCatalogAsync();
            await session.ReadRequestAsync();
            await session.SendAsync(
                FakeSession.Frame('H', 0, 0, 1, 0, 0), // text, one column
                FakeSession.Frame('d', "1\n"u8.ToArray()), FakeSession.Frame('d', "2\n"u8.ToArray()),
                FakeSession.Frame('c'), Complete("COPY 5"), s_ready);
            await session.HoldAsync(TimeSpan.FromSeconds(3));
        });
        var e = await Refused(server, async d =>
        {
            await using var connection = await d.OpenConnectionAsync();
            using var reader = await connection.BeginTextExportAsync("COPY t TO STDOUT");
            while (await reader.ReadLineAsync() is not null) { }
        });
        Assert.Contains("reports 5 rows but 2", e.Message);
    }

    [Fact]
    public async Task A_COPY_import_the_server_says_imported_more_rows_than_were_sent_is_refused()
    {
        await using var server = FakePgServer.Start(async session =>
        {
            await session.SendLoginOkAsync();
            await session.ServeEmptyCatalogAsync();
            // The importer describes its columns first (one int4), then starts the COPY.
            await session.ReadRequestAsync();
            await session.SendAsync(s_parsed, FakeSession.Frame('t', 0, 0), s_rowDescription, s_ready);
            await session.ReadRequestAsync();
            await session.SendAsync(FakeSession.Frame('G', 1, 0, 1, 0, 1));
            while ((await session.ReadAsync()).Type is not ('c' or '\0')) { }
            await session.SendAsync(Complete("COPY 5"), s_ready);
            await session.HoldAsync(TimeSpan.FromSeconds(3));
        });
        var e = await Refused(server, async d =>
        {
            await using var connection = await d.OpenConnectionAsync();
            await using var importer = await connection.BeginBinaryImportAsync("COPY t (x) FROM STDIN (FORMAT BINARY)");
            for (var i = 0; i < 2; i++)
            {
                await importer.StartRowAsync();
                importer.Write(i);
            }
            await importer.CompleteAsync();
        });
        Assert.Contains("reports 5 rows imported, but 2 were sent", e.Message);
    }
}

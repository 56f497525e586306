using PgWire.Tests.Fakes;
using PgWire.Tests.Observability;
using Xunit;

namespace PgWire.Tests.Server;

/// <summary>
/// Protocol 3.2 (PostgreSQL 18) and the negotiation down to 3.0: on the test server of whatever version CI runs, and
/// against a fake server for what a hostile or broken one may send.
/// </summary>
[Collection(ServerCollection.Name)]
public class ProtocolVersionTests(ServerFixture fixture)
{
    private bool Speaks32 => fixture.ServerMajor >= 18;

    [Fact]
    public async Task The_newest_protocol_the_server_speaks_is_used_and_cancellation_works_with_its_key()
    {
        await using var dataSource = fixture.CreateDataSource("Maximum Pool Size=1");
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            // 3.2 from PostgreSQL 18 (32-byte cancel keys); older servers answer NegotiateProtocolVersion, same connection.
            Assert.Equal(new Version(3, Speaks32 ? 2 : 0), connection.ProtocolVersion);
            Assert.Equal(Speaks32 ? 32 : 4, connection.Connector.Session.BackendKey.SecretKey.Length);
        }
        await AssertCancelWorksAsync(dataSource, "'cancel-default-protocol'");
    }

    [Fact]
    public async Task Max_Protocol_Version_3_0_asks_for_3_0_and_cancellation_works_with_a_4_byte_key()
    {
        await using var dataSource = fixture.CreateDataSource("Maximum Pool Size=1;Max Protocol Version=3.0");
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            Assert.Equal(new Version(3, 0), connection.ProtocolVersion);
            Assert.Equal(4, connection.Connector.Session.BackendKey.SecretKey.Length);
        }
        await AssertCancelWorksAsync(dataSource, "'cancel-protocol-3.0'");
    }

    [Fact]
    public async Task Min_Protocol_Version_3_2_refuses_a_server_older_than_18()
    {
        await using var dataSource = fixture.CreateDataSource("Min Protocol Version=3.2");
        if (Speaks32)
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            Assert.Equal(new Version(3, 2), connection.ProtocolVersion);
            return;
        }
        var e = await Assert.ThrowsAsync<PgWireException>(async () => await (await dataSource.OpenConnectionAsync()).DisposeAsync());
        Assert.Contains("speaks protocol 3.0 at most", e.Message);
        Assert.Contains("Min Protocol Version is 3.2", e.Message);
    }

    [Theory]
    [InlineData("Max Protocol Version=3.1", "use 3.0, 3.2 or latest")]
    [InlineData("Min Protocol Version=4.0", "use 3.0, 3.2 or latest")]
    [InlineData("Min Protocol Version=3.2;Max Protocol Version=3.0", "is above Max Protocol Version")]
    public void Protocol_version_settings_are_checked(string settings, string message)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => PgWireDataSource.Create(fixture.ConnectionString + ";" + settings).Dispose());
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Libpq_names_and_latest_are_accepted()
    {
        var builder = new PgWireConnectionStringBuilder { ConnectionString = "host=h min_protocol_version=3.0 max_protocol_version=latest" };
        Assert.Equal("3.0", builder.MinProtocolVersion);
        Assert.Equal("3.2", builder.MaxProtocolVersion);
    }

    private async Task AssertCancelWorksAsync(PgWireDataSource dataSource, string marker)
    {
        using var cts = new CancellationTokenSource();
        var query = dataSource.QueryAsync($"SELECT pg_sleep(30), {marker}", [], cts.Token).AsTask();
        await fixture.WaitUntilRunningAsync(marker);
        cts.Cancel();
        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await query);
        Assert.Equal("57014", Assert.IsType<PgWireServerException>(e.InnerException).SqlState);
    }
}

/// <summary>What a server may send around protocol negotiation, hostile or merely unusual, played by a fake server.</summary>
public class ProtocolNegotiationFakeTests
{
    private static byte[] Negotiate(int version, params string[] options) =>
        FakeSession.Frame('v', [.. FakeSession.Int32(version), .. FakeSession.Int32(options.Length), .. options.SelectMany(o => System.Text.Encoding.UTF8.GetBytes(o + "\0"))]);

    private static byte[] KeyData(int processId, int keyLength) =>
        FakeSession.Frame('K', [.. FakeSession.Int32(processId), .. Enumerable.Range(1, keyLength).Select(i => (byte)i)]);

    private static byte[] Rest(byte[] keyData) =>
    [
        .. FakeSession.Frame('R', FakeSession.Int32(0)),
        .. FakeSession.Frame('S', "server_version\017.0\0"u8.ToArray()),
        .. FakeSession.Frame('S', "integer_datetimes\0on\0"u8.ToArray()),
        .. keyData,
        .. FakeSession.Frame('Z', (byte)'I'),
    ];

    private static async Task<PgWireException> LoginFails(FakePgServer server, string extra = "")
    {
        await using var dataSource = PgWireDataSource.Create(server.ConnectionString(extra));
        return await Assert.ThrowsAnyAsync<PgWireException>(async () => await (await dataSource.OpenConnectionAsync()).DisposeAsync());
    }

    /// <summary>A login against a server that says <paramref name="login"/> and then nothing fails as a protocol error saying <paramref name="message"/>.</summary>
    private static async Task LoginIsProtocolErrorAsync(string message, Func<FakeSession, Task> login)
    {
        await using var server = FakePgServer.Start(async session =>
        {
            await login(session);
            await session.HoldAsync(TimeSpan.FromSeconds(3));
        });
        var e = await LoginFails(server);
        Assert.IsType<PgWireProtocolException>(e);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public async Task A_negotiation_down_to_3_0_with_unknown_options_goes_on_in_3_0_and_logs_the_options()
    {
        await using var server = FakePgServer.Start(async session =>
        {
            await session.SendAsync(Negotiate(3 << 16, "_pq_.something_new"), Rest(KeyData(77, 4)));
            await session.ServeEmptyCatalogAsync();
            await session.HoldAsync(TimeSpan.FromSeconds(3));
        });
        var log = new CapturingLoggerFactory();
        await using var dataSource = new PgWireDataSourceBuilder(server.ConnectionString()).UseLoggerFactory(log).Build();
        await using var connection = await dataSource.OpenConnectionAsync();
        Assert.Equal(2, server.Sessions[0].ProtocolMinor); // asked for 3.2
        Assert.Equal(new Version(3, 0), connection.ProtocolVersion);
        Assert.Contains("_pq_.something_new", Assert.Single(log.WithId(1009)).Message);
        Assert.Single(log.WithId(1008));
    }

    [Theory]
    [InlineData(int.MaxValue, "declares 2147483647 unrecognised protocol options")]
    [InlineData(-1, "declares -1 unrecognised protocol options")]
    public async Task A_negotiation_with_an_absurd_option_count_is_a_protocol_error(int count, string message)
    {
        await LoginIsProtocolErrorAsync(message, async session =>
        {
            await session.SendAsync(FakeSession.Frame('v', [.. FakeSession.Int32(3 << 16), .. FakeSession.Int32(count), .. "x\0"u8.ToArray()]));
        });
    }

    [Theory]
    [InlineData((3 << 16) | 5, "offers protocol 3.5")]
    [InlineData(4 << 16, "offers protocol 4.0")]
    public async Task A_negotiation_offering_a_newer_version_than_asked_is_a_protocol_error(int version, string message)
    {
        await LoginIsProtocolErrorAsync(message, async session =>
        {
            await session.SendAsync(Negotiate(version));
        });
    }

    [Fact]
    public async Task A_negotiation_after_authentication_started_is_a_protocol_error()
    {
        await LoginIsProtocolErrorAsync("may only come first", async session =>
        {
            await session.SendAsync(FakeSession.Frame('R', FakeSession.Int32(0)), Negotiate(3 << 16));
        });
    }

    [Theory]
    [InlineData(2, 257, "secret key of 257 bytes; protocol 3.2 allows 4 to 256")]
    [InlineData(2, 3, "secret key of 3 bytes; protocol 3.2 allows 4 to 256")]
    [InlineData(0, 8, "secret key of 8 bytes; protocol 3.0 has 4-byte keys")]
    public async Task A_secret_key_of_a_length_the_protocol_does_not_allow_is_a_protocol_error(int minor, int keyLength, string message)
    {
        await LoginIsProtocolErrorAsync(message, async session =>
        {
            if (minor == 0) await session.SendAsync(Negotiate(3 << 16));
            await session.SendAsync(Rest(KeyData(77, keyLength)));
        });
    }

    [Fact]
    public async Task A_256_byte_key_is_sent_back_whole_in_the_cancel_request()
    {
        await using var server = FakePgServer.Start(async session =>
        {
            await session.SendAsync(Rest(KeyData(4242, 256)));
            await session.ServeEmptyCatalogAsync();
            await session.ReadRequestAsync(); // the query that is then cancelled: never answered
            await session.HoldAsync(TimeSpan.FromSeconds(5));
        });
        await using var dataSource = PgWireDataSource.Create(server.ConnectionString("Cancellation Timeout=500"));
        await using var connection = await dataSource.OpenConnectionAsync();
        Assert.Equal(new Version(3, 2), connection.ProtocolVersion);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<Exception>(async () => await new PgWireCommand("SELECT pg_sleep(10)", connection).ExecuteScalarAsync(cts.Token));
        var cancel = (await server.CancelSessionAsync()).CancelRequest!.Value;
        Assert.Equal(4242, cancel.ProcessId);
        Assert.Equal(Enumerable.Range(1, 256).Select(i => (byte)i).ToArray(), cancel.Key);
    }

    [Fact]
    public async Task A_protocol_error_as_the_first_answer_to_3_2_is_retried_once_with_3_0_and_remembered()
    {
        await using var server = FakePgServer.Start(async session =>
        {
            if (session.ProtocolMinor != 0)
            {
                await session.SendAsync(FakeSession.Error("FATAL", "08P01", "bad packet header"));
                return;
            }
            await session.SendAsync(Rest(KeyData(5, 4)));
            await session.ServeEmptyCatalogAsync();
            await session.HoldAsync(TimeSpan.FromSeconds(3));
        });
        await using var dataSource = PgWireDataSource.Create(server.ConnectionString("Pooling=false"));
        await using (var first = await dataSource.OpenConnectionAsync()) Assert.Equal(new Version(3, 0), first.ProtocolVersion);
        await using (var second = await dataSource.OpenConnectionAsync()) Assert.Equal(new Version(3, 0), second.ProtocolVersion);
        Assert.Equal([2, 0, 0], server.Sessions.Select(s => s.ProtocolMinor));
    }

    [Fact]
    public async Task A_server_that_closes_at_a_3_2_login_is_not_retried()
    {
        // Only a protocol error is a refusal of the version; a connection that just closes is a failure, tried once.
        await using var server = FakePgServer.Start(_ => Task.CompletedTask);
        var e = await LoginFails(server);
        Assert.Contains("closed the connection", e.Message);
        Assert.Equal(1, server.Connections);
    }
}

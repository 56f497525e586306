using PgWire.Tests.Fakes;
using Xunit;

namespace PgWire.Tests.Server;

/// <summary>
/// SSL Negotiation=Direct (PostgreSQL 17+): the TLS handshake at once, ALPN postgresql, no SSLRequest; a clear error
/// from older servers; and cancel requests that go over TLS whenever the session is encrypted.
/// </summary>
[Collection(ServerCollection.Name)]
public class DirectTlsTests(ServerFixture fixture)
{
    [Fact]
    public async Task Direct_TLS_connects_to_17_and_later_and_older_servers_get_a_clear_error()
    {
        await using var dataSource = fixture.CreateDataSource("SSL Mode=Require;SSL Negotiation=Direct;Maximum Pool Size=1");
        if (fixture.ServerMajor < 17)
        {
            var e = await Assert.ThrowsAsync<PgWireException>(async () => await (await dataSource.OpenConnectionAsync()).DisposeAsync());
            Assert.Contains("SSL Negotiation=Direct needs PostgreSQL 17 or later", e.Message);
            return;
        }
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            Assert.True(connection.IsSecure);
            Assert.Equal(true, await new PgWireCommand("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", connection).ExecuteScalarAsync());
        }
        // The cancel request goes the same way: direct TLS, then CancelRequest.
        using var cts = new CancellationTokenSource();
        var query = dataSource.QueryAsync("SELECT pg_sleep(30), 'direct-tls-cancel'", [], cts.Token).AsTask();
        await fixture.WaitUntilRunningAsync("'direct-tls-cancel'");
        cts.Cancel();
        var cancelled = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await query);
        Assert.Equal("57014", Assert.IsType<PgWireServerException>(cancelled.InnerException).SqlState);
    }

    [Theory]
    [InlineData("SSL Mode=Prefer;SSL Negotiation=Direct")]
    [InlineData("SSL Mode=Allow;SSL Negotiation=Direct")]
    [InlineData("SSL Mode=Disable;SSL Negotiation=Direct")]
    public void Direct_TLS_needs_an_SSL_Mode_that_cannot_fall_back(string settings)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => PgWireDataSource.Create(fixture.ConnectionString + ";" + settings).Dispose());
        Assert.Contains("SSL Negotiation=Direct needs SSL Mode Require", e.Message);
    }

    [Fact]
    public void Libpq_s_sslnegotiation_is_accepted()
    {
        var builder = new PgWireConnectionStringBuilder { ConnectionString = "postgresql://u@h/db?sslmode=require&sslnegotiation=direct" };
        Assert.Equal(SslNegotiation.Direct, builder.SslNegotiation);
        Assert.Equal(SslMode.Require, builder.SslMode);
    }

    [Fact]
    public async Task The_cancel_request_of_an_encrypted_session_goes_over_TLS()
    {
        await using var server = FakePgServer.Start(async session =>
        {
            await session.SendLoginOkAsync();
            await session.ServeEmptyCatalogAsync();
            await session.ReadRequestAsync(); // never answered: cancelled
            await session.HoldAsync(TimeSpan.FromSeconds(5));
        }, tls: true);
        await using var dataSource = PgWireDataSource.Create(server.ConnectionString("SSL Mode=Require;Cancellation Timeout=500"));
        await using var connection = await dataSource.OpenConnectionAsync();
        Assert.True(connection.IsSecure);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<Exception>(async () => await new PgWireCommand("SELECT pg_sleep(10)", connection).ExecuteScalarAsync(cts.Token));
        var cancel = await server.CancelSessionAsync();
        Assert.True(cancel.IsTls);
        Assert.Equal(4242, cancel.CancelRequest!.Value.ProcessId);
    }
}

using PgWire.Testing;
using PgWire.Tests.Server;
using Xunit;

namespace PgWire.Tests.Security;

/// <summary>The password of a real login, looked for everywhere PgWire shows text: it must be nowhere.</summary>
[Collection(ServerCollection.Name)]
public class SecretLeakTests(ServerFixture fixture)
{
    [Fact]
    public async Task An_opened_connection_no_longer_returns_the_password_unless_Persist_Security_Info()
    {
        // Issue 12, defect 4.
        var withPassword = fixture.Server.ConnectionStringFor("scram-sha-256");
        await using (var connection = new PgWireConnection(withPassword))
        {
            Assert.Contains(PgTestServer.RolePassword, connection.ConnectionString); // as set, before Open
            await connection.OpenAsync();
            SecretScan.AssertNoSecret(connection.ConnectionString, PgTestServer.RolePassword);
            await connection.CloseAsync();
            SecretScan.AssertNoSecret(connection.ConnectionString, PgTestServer.RolePassword);
            await connection.OpenAsync(); // still opens: the password is kept inside
            await connection.ChangeDatabaseAsync("postgres");
            SecretScan.AssertNoSecret(connection.ConnectionString, PgTestServer.RolePassword);
            Assert.Contains("postgres", connection.ConnectionString);
        }

        await using (var persisted = new PgWireConnection(withPassword + ";Persist Security Info=true"))
        {
            await persisted.OpenAsync();
            Assert.Contains(PgTestServer.RolePassword, persisted.ConnectionString);
        }

        await using var fresh = new PgWireConnection(withPassword);
        await fresh.OpenAsync();
        await fresh.CloseAsync();
        fresh.ConnectionString = withPassword; // set again: returned as set until the next Open
        Assert.Contains(PgTestServer.RolePassword, fresh.ConnectionString);
    }

    [Theory]
    [InlineData("password")]
    [InlineData("md5")]
    [InlineData("scram-sha-256")]
    public async Task Nothing_a_user_sees_carries_the_password(string method)
    {
        var connectionString = fixture.Server.ConnectionStringFor(method);
        await using var dataSource = PgWireDataSource.Create(connectionString);
        await using var connection = await dataSource.OpenConnectionAsync();
        var texts = new List<string>
        {
            dataSource.ToString()!, dataSource.ConnectionString, connection.ConnectionString,
            new PgWireConnectionStringBuilder(connectionString).ToString(),
        };
        // Server errors, client errors, cancellation and timeouts on a logged-in session.
        texts.Add((await Assert.ThrowsAsync<PgWireServerException>(async () => await dataSource.QueryAsync("SELECT 1/0"))).ToString());
        texts.Add((await Assert.ThrowsAnyAsync<Exception>(async () => await dataSource.QueryAsync("SELECT $1::int", "x"))).ToString());
        texts.Add((await Assert.ThrowsAnyAsync<OperationCanceledException>(
            async () => await dataSource.QueryAsync("SELECT pg_sleep(5)", [], new CancellationTokenSource(100).Token))).ToString());
        await using var command = new PgWireCommand("SELECT pg_sleep(5)", connection) { CommandTimeout = 1 };
        texts.Add((await Assert.ThrowsAsync<TimeoutException>(async () => await command.ExecuteNonQueryAsync())).ToString());
        foreach (var text in texts) SecretScan.AssertNoSecret(text, PgTestServer.RolePassword);
    }

    [Fact]
    public async Task Connection_failures_never_carry_the_password()
    {
        const string secret = "not-a-real-secret-9f8e7d";
        var strings = new[]
        {
            $"Host=127.0.0.1;Port=1;Username=u;Password={secret};Timeout=2",                // nothing listens
            $"Host=no-such-host.invalid;Username=u;Password={secret};Timeout=2",           // no such name
            $"Host=127.0.0.1 port=5432 user=u password={secret};Username=u;Timeout=2",       // a libpq string as Host
        };
        foreach (var text in strings)
        {
            var e = await Record.ExceptionAsync(async () =>
            {
                await using var dataSource = PgWireDataSource.Create(text);
                await dataSource.QueryAsync("SELECT 1");
            });
            Assert.NotNull(e);
            SecretScan.AssertNoSecret(e, secret);
        }
        var bad = Record.Exception(() => new PgWireConnectionStringBuilder($"Password={secret};Port=notanumber"));
        SecretScan.AssertNoSecret(bad, secret);
        var wrongPassword = fixture.Server.ConnectionStringFor("scram-sha-256", secret);
        var login = await Record.ExceptionAsync(async () =>
        {
            await using var dataSource = PgWireDataSource.Create(wrongPassword);
            await dataSource.QueryAsync("SELECT 1");
        });
        Assert.Equal("28P01", Assert.IsType<PgWireServerException>(login).SqlState);
        SecretScan.AssertNoSecret(login, secret);
    }
}

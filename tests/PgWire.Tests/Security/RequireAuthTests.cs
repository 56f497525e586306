using PgWire.Tests.Fakes;
using PgWire.Tests.Server;
using Xunit;

namespace PgWire.Tests.Security;

/// <summary>
/// Require Auth (libpq's require_auth): the server must use one of the methods listed (or none of those listed with
/// '!'), checked before the password leaves the client. Against the test server's role per method, and a fake server
/// for what is sent.
/// </summary>
[Collection(ServerCollection.Name)]
public class RequireAuthTests(ServerFixture fixture)
{
    [Theory]
    [InlineData("scram-sha-256", "scram-sha-256")]
    [InlineData("md5", "md5,scram-sha-256")]
    [InlineData("password", "!md5,!scram-sha-256")]
    [InlineData("trust", "none")]
    [InlineData("scram-sha-256", "!none")]
    public async Task A_method_the_requirement_allows_logs_in(string role, string requireAuth)
    {
        await using var dataSource = PgWireDataSource.Create(fixture.Server.ConnectionStringFor(role) + $";Require Auth={requireAuth}");
        await using var connection = await dataSource.OpenConnectionAsync();
        Assert.Equal(1, await new PgWireCommand("SELECT 1", connection).ExecuteScalarAsync());
    }

    [Theory]
    [InlineData("md5", "scram-sha-256", "'md5' authentication")]
    [InlineData("password", "!password", "'password' authentication")]
    [InlineData("scram-sha-256", "password,md5", "'scram-sha-256' authentication")]
    [InlineData("trust", "scram-sha-256", "no authentication at all")]
    [InlineData("trust", "!none", "no authentication at all")]
    [InlineData("scram-sha-256", "none", "'scram-sha-256' authentication")]
    public async Task A_method_the_requirement_does_not_allow_is_refused(string role, string requireAuth, string what)
    {
        await using var dataSource = PgWireDataSource.Create(fixture.Server.ConnectionStringFor(role) + $";Require Auth={requireAuth};Pooling=false");
        var e = await Assert.ThrowsAsync<PgWireException>(async () => await (await dataSource.OpenConnectionAsync()).DisposeAsync());
        Assert.Contains(what, e.Message);
        Assert.Contains("Require Auth=", e.Message);
        Assert.DoesNotContain(PgWire.Testing.PgTestServer.RolePassword, e.ToString());
    }

    [Theory]
    [InlineData(3, "scram-sha-256")] // cleartext asked for
    [InlineData(5, "scram-sha-256")] // MD5 asked for
    [InlineData(10, "password,md5")] // SASL asked for
    public async Task The_password_never_leaves_for_a_method_not_allowed(int kind, string requireAuth)
    {
        const string password = "secret-require-auth-pw";
        await using var server = FakePgServer.Start(async session =>
        {
            var data = kind switch { 5 => new byte[] { 1, 2, 3, 4 }, 10 => "SCRAM-SHA-256\0\0"u8.ToArray(), _ => [] };
            await session.SendAsync(FakeSession.Frame('R', [.. FakeSession.Int32(kind), .. data]));
            var answer = await session.ReadAsync();
            if (answer.Type == 'p') await session.SendLoginOkAsync();
            await session.HoldAsync(TimeSpan.FromSeconds(3));
        });
        await using var dataSource = PgWireDataSource.Create(server.ConnectionString($"Password={password};Require Auth={requireAuth}"));
        var e = await Assert.ThrowsAsync<PgWireException>(async () => await (await dataSource.OpenConnectionAsync()).DisposeAsync());
        Assert.Contains("before anything secret was sent", e.Message);
        Assert.Equal("", server.ReceivedTypes().TrimEnd('X')); // no PasswordMessage, no SASLInitialResponse
        Assert.DoesNotContain(password, System.Text.Encoding.UTF8.GetString(server.AllReceived()));
    }

    [Theory]
    [InlineData("kerberos", "the methods are")]
    [InlineData("md5,!password", "mixes negated")]
    [InlineData("md5,md5", "twice")]
    [InlineData("!password,!md5,!scram-sha-256,!gss,!sspi,!none", "refuses every method")]
    public void A_bad_requirement_is_refused_with_why(string requireAuth, string message)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => new PgWireConnectionStringBuilder { ConnectionString = $"Host=h;Require Auth={requireAuth}" });
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Libpq_s_name_and_spacing_are_accepted()
    {
        var builder = new PgWireConnectionStringBuilder { ConnectionString = "host=h require_auth='SCRAM-SHA-256, md5'" };
        Assert.Equal("scram-sha-256,md5", builder.RequireAuth);
    }
}

using PgWire.Testing;
using Xunit;

namespace PgWire.Tests.Server;

[Collection(ServerCollection.Name)]
public class AuthenticationTests(ServerFixture fixture)
{
    [Theory]
    [InlineData("trust")]
    [InlineData("password")]
    [InlineData("md5")]
    [InlineData("scram-sha-256")]
    public async Task Each_method_logs_in_and_runs_a_query(string method)
    {
        await using var dataSource = PgWireDataSource.Create(fixture.Server.ConnectionStringFor(method));
        using var rows = await dataSource.QueryAsync("SELECT current_user::text, 40 + $1", 2);
        Assert.Equal(PgTestServer.RoleFor(method), rows[0].Get<string>(0));
        Assert.Equal(42, rows[0].Get<int>(1));
    }

    [Theory]
    [InlineData("password")]
    [InlineData("md5")]
    [InlineData("scram-sha-256")]
    public async Task A_wrong_password_is_28P01_naming_the_user_and_never_the_password(string method)
    {
        const string wrong = "not-the-password-xyzzy";
        await using var dataSource = PgWireDataSource.Create(fixture.Server.ConnectionStringFor(method, wrong));
        var e = await Assert.ThrowsAsync<PgWireServerException>(async () => await dataSource.QueryAsync("SELECT 1"));
        Assert.Equal("28P01", e.SqlState);
        Assert.Contains(PgTestServer.RoleFor(method), e.Message);
        Assert.DoesNotContain(wrong, e.ToString());
        Assert.DoesNotContain(wrong, dataSource.ToString());
    }

    [Fact]
    public async Task A_missing_password_says_so_without_reaching_the_server_with_garbage()
    {
        await using var dataSource = PgWireDataSource.Create(fixture.Server.ConnectionStringFor("scram-sha-256", password: null));
        var e = await Assert.ThrowsAsync<PgWireException>(async () => await dataSource.QueryAsync("SELECT 1"));
        Assert.Contains("no Password", e.Message);
    }
}

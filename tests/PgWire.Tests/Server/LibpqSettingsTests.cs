using PgWire.Testing;
using PgWire.Tests.Configuration;
using Xunit;

namespace PgWire.Tests.Server;

/// <summary>libpq's ways of giving settings, against the test server: the environment, the password file, the password provider, Options and the initialiser.</summary>
[Collection(ServerCollection.Name)]
public sealed class LibpqSettingsTests(ServerFixture fixture) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pgwire-libpq-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private PgTestServer Server => fixture.Server;

    private static Func<string, string?> Environment(params (string Name, string Value)[] variables) => TestEnvironment.Of(variables);

    private static async Task<string> CurrentUserAsync(PgWireDataSource dataSource)
    {
        using var rows = await dataSource.QueryAsync("SELECT current_user::text");
        return rows[0].Get<string>(0);
    }

    [Fact]
    public async Task An_empty_connection_string_connects_with_the_environment_as_psql_does()
    {
        var builder = new PgWireDataSourceBuilder("")
        {
            Environment = Environment(("PGHOST", Server.Host), ("PGPORT", Server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                ("PGUSER", PgTestServer.RoleFor("scram-sha-256")), ("PGPASSWORD", PgTestServer.RolePassword), ("PGDATABASE", "postgres"), ("PGAPPNAME", "from-env")),
        };
        await using var dataSource = builder.Build();
        using var rows = await dataSource.QueryAsync("SELECT current_user::text, current_setting('application_name')");
        Assert.Equal((PgTestServer.RoleFor("scram-sha-256"), "from-env"), (rows[0].Get<string>(0), rows[0].Get<string>(1)));
        Assert.DoesNotContain(PgTestServer.RolePassword, dataSource.ConnectionString, StringComparison.Ordinal);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task The_password_file_gives_the_password_when_none_is_given()
    {
        var passfile = Path.Combine(_directory, "pgpass");
        var escaped = PgTestServer.RolePassword.Replace("\\", "\\\\", StringComparison.Ordinal).Replace(":", "\\:", StringComparison.Ordinal);
        await File.WriteAllLinesAsync(passfile, [
            $"{Server.Host}:{Server.Port}:postgres:{PgTestServer.RoleFor("md5")}:wrong-for-md5-is-not-used",
            $"{Server.Host}:*:*:{PgTestServer.RoleFor("scram-sha-256")}:{escaped}",
        ]);
        File.SetUnixFileMode(passfile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var builder = new PgWireDataSourceBuilder(Server.ConnectionStringFor("scram-sha-256", password: null)) { Environment = Environment(("PGPASSFILE", passfile)) };
        await using (var dataSource = builder.Build())
            Assert.Equal(PgTestServer.RoleFor("scram-sha-256"), await CurrentUserAsync(dataSource));

        // Readable by others: ignored (as libpq), so the login has no password and says so.
        File.SetUnixFileMode(passfile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        await using var ignored = new PgWireDataSourceBuilder(Server.ConnectionStringFor("scram-sha-256", password: null) + $";Passfile={passfile}")
        { Environment = Environment() }.Build();
        var e = await Assert.ThrowsAsync<PgWireException>(() => CurrentUserAsync(ignored));
        Assert.Contains("has no Password", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_password_provider_is_asked_once_per_new_physical_connection()
    {
        var calls = new System.Collections.Concurrent.ConcurrentBag<PgPasswordRequest>();
        var builder = new PgWireDataSourceBuilder(Server.ConnectionStringFor("scram-sha-256", password: null) + ";Maximum Pool Size=2")
            .UsePasswordProvider(async (request, token) =>
            {
                calls.Add(request);
                await Task.Yield();
                return PgTestServer.RolePassword;
            });
        await using var dataSource = builder.Build();
        for (var i = 0; i < 10; i++) Assert.Equal(PgTestServer.RoleFor("scram-sha-256"), await CurrentUserAsync(dataSource));
        var request = Assert.Single(calls);
        Assert.Equal((Server.Host, Server.Port, "postgres", PgTestServer.RoleFor("scram-sha-256")), (request.Host, request.Port, request.Database, request.Username));

        // A failing provider fails the open, without repeating what the provider said.
        await using var failing = new PgWireDataSourceBuilder(Server.ConnectionStringFor("scram-sha-256", password: null))
            .UsePasswordProvider((_, _) => throw new InvalidOperationException("token vault said: secret-token-123")).Build();
        var e = await Assert.ThrowsAsync<PgWireException>(() => CurrentUserAsync(failing));
        Assert.Contains("password provider", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-token-123", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Options_and_the_initialiser_set_up_every_new_session()
    {
        var builder = new PgWireDataSourceBuilder(Server.ConnectionString + ";Options=-c statement_timeout=4321 -c search_path=pg_catalog;Timezone=Asia/Tokyo;Maximum Pool Size=3")
            .UsePhysicalConnectionInitializer("SET work_mem = '7MB'; SET application_name = 'initialised'");
        await using var dataSource = builder.Build();
        await Parallel.ForEachAsync(Enumerable.Range(0, 6), async (_, _) =>
        {
            using var rows = await dataSource.QueryAsync(
                "SELECT current_setting('statement_timeout'), current_setting('search_path'), current_setting('TimeZone'), current_setting('work_mem'), current_setting('application_name')");
            Assert.Equal(("4321ms", "pg_catalog", "Asia/Tokyo", "7MB", "initialised"),
                (rows[0].Get<string>(0), rows[0].Get<string>(1), rows[0].Get<string>(2), rows[0].Get<string>(3), rows[0].Get<string>(4)));
        });

        await using var broken = new PgWireDataSourceBuilder(Server.ConnectionString).UsePhysicalConnectionInitializer("SET no_such_setting_at_all = 1").Build();
        var e = await Assert.ThrowsAsync<PgWireException>(() => CurrentUserAsync(broken));
        Assert.Contains("connection initialiser", e.Message, StringComparison.Ordinal);
        Assert.Contains("no_such_setting_at_all", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_URI_and_a_libpq_string_reach_the_same_server_as_the_Npgsql_form()
    {
        var role = PgTestServer.RoleFor("scram-sha-256");
        var password = Uri.EscapeDataString(PgTestServer.RolePassword);
        await using (var uri = PgWireDataSource.Create($"postgresql://{role}:{password}@{Server.Host}:{Server.Port}/postgres?application_name=uri"))
            Assert.Equal(role, await CurrentUserAsync(uri));
        var quoted = PgTestServer.RolePassword.Replace("'", "\\'", StringComparison.Ordinal);
        await using var libpq = PgWireDataSource.Create($"host={Server.Host} port={Server.Port} user={role} password='{quoted}' dbname=postgres");
        Assert.Equal(role, await CurrentUserAsync(libpq));
    }
}

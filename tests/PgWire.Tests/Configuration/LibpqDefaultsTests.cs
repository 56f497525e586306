using PgWire.Configuration;
using Xunit;

namespace PgWire.Tests.Configuration;

/// <summary>What fills what a connection string leaves out: service files, then libpq's environment variables, then the defaults; and the password file.</summary>
public sealed class LibpqDefaultsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pgwire-config-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static Func<string, string?> Environment(params (string Name, string Value)[] variables) => TestEnvironment.Of(variables);

    [Fact]
    public void The_environment_fills_what_the_connection_string_leaves_out_and_never_overrides_it()
    {
        var resolved = DataSourceSettings.Resolve(
            new PgWireConnectionStringBuilder("Host=given;Username=given_user"),
            Environment(("PGHOST", "env-host"), ("PGPORT", "6543"), ("PGUSER", "env_user"), ("PGDATABASE", "env_db"), ("PGPASSWORD", "env-pass"),
                ("PGAPPNAME", "env-app"), ("PGSSLMODE", "verify-full"), ("PGCONNECT_TIMEOUT", "9"), ("PGTARGETSESSIONATTRS", "standby"),
                ("PGOPTIONS", "-c work_mem=64MB"), ("PGTZ", "Europe/Paris"), ("PGLOADBALANCEHOSTS", "random")));
        Assert.Equal("given", resolved.Host);
        Assert.Equal(6543, resolved.Port);
        Assert.Equal("given_user", resolved.Username);
        Assert.Equal("env_db", resolved.Database);
        Assert.Equal("env-pass", resolved.Password);
        Assert.Equal("env-app", resolved.ApplicationName);
        Assert.Equal(SslMode.VerifyFull, resolved.SslMode);
        Assert.Equal(9, resolved.Timeout);
        Assert.Equal(TargetSession.Standby, resolved.TargetSessionAttributes);
        Assert.Equal("-c work_mem=64MB", resolved.Options);
        Assert.Equal("Europe/Paris", resolved.Timezone);
        Assert.True(resolved.LoadBalanceHosts);
    }

    [Fact]
    public void An_empty_connection_string_connects_as_psql_would()
    {
        var resolved = DataSourceSettings.Resolve(new PgWireConnectionStringBuilder(""), Environment());
        Assert.Equal(System.Environment.UserName, resolved.Username);
        Assert.Equal(System.Environment.UserName, resolved.Database);
        Assert.True(resolved.Host is "localhost" or "/var/run/postgresql" or "/run/postgresql" or "/tmp", resolved.Host);

        var fromEnvironment = DataSourceSettings.Resolve(new PgWireConnectionStringBuilder(""), Environment(("PGHOST", "a,b"), ("PGPORT", "1,2"), ("PGUSER", "u")));
        Assert.Equal("a:1,b:2", fromEnvironment.Host);
        Assert.Equal("u", fromEnvironment.Database);
    }

    [Fact]
    public void A_bad_environment_variable_is_named()
    {
        var e = Assert.Throws<ArgumentException>(() => DataSourceSettings.Resolve(new PgWireConnectionStringBuilder("Host=x"), Environment(("PGCONNECT_TIMEOUT", "soon"))));
        Assert.Contains("PGCONNECT_TIMEOUT", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => DataSourceSettings.Resolve(new PgWireConnectionStringBuilder(""), Environment(("PGHOST", "a,b"), ("PGPORT", "1,2,3"))));
        Assert.Contains("PGHOST/PGPORT", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_service_file_fills_what_the_string_leaves_out_before_the_environment_does()
    {
        var file = Path.Combine(_directory, "services.conf");
        File.WriteAllLines(file, [
            "# services",
            "[other]",
            "host=wrong",
            "[mydb]",
            "host=svc-host1,svc-host2",
            "port=5433",
            "dbname = svc_db",
            "user=svc_user",
            "application_name=from service",
            "[later]",
            "host=wrong-too",
        ]);
        var resolved = DataSourceSettings.Resolve(
            new PgWireConnectionStringBuilder("service=mydb user=given"),
            Environment(("PGSERVICEFILE", file), ("PGDATABASE", "env_db"), ("PGAPPNAME", "env-app"), ("PGPASSWORD", "env-pass")));
        Assert.Equal("svc-host1,svc-host2", resolved.Host);
        Assert.Equal(5433, resolved.Port);
        Assert.Equal("svc_db", resolved.Database);
        Assert.Equal("given", resolved.Username);
        Assert.Equal("from service", resolved.ApplicationName);
        Assert.Equal("env-pass", resolved.Password);

        // PGSERVICE names the service when the string does not; the system file is searched after the user's.
        var system = Directory.CreateDirectory(Path.Combine(_directory, "etc")).FullName;
        File.WriteAllLines(Path.Combine(system, "pg_service.conf"), ["[sys]", "host=system-host"]);
        var fromSystem = DataSourceSettings.Resolve(new PgWireConnectionStringBuilder(""),
            Environment(("PGSERVICE", "sys"), ("PGSERVICEFILE", file), ("PGSYSCONFDIR", system)));
        Assert.Equal("system-host", fromSystem.Host);

        var e = Assert.Throws<ArgumentException>(() => DataSourceSettings.Resolve(new PgWireConnectionStringBuilder("Service=nope"), Environment(("PGSERVICEFILE", file))));
        Assert.Contains("'nope' is not defined", e.Message, StringComparison.Ordinal);
        Assert.Contains(file, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Service_file_syntax_errors_name_the_file_and_line()
    {
        var e = Assert.Throws<FormatException>(() => ServiceFile.Read("f.conf", ["[a]", "host=x", "just words"], "a"));
        Assert.Contains("f.conf, line 3", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<FormatException>(() => ServiceFile.Read("f.conf", ["[a]", "service=b"], "a"));
        Assert.Contains("nested", e.Message, StringComparison.Ordinal);
        Assert.Null(ServiceFile.Read("f.conf", ["[a]", "host=x"], "b"));
    }

    [Theory]
    [InlineData("db.example:5432:shop:app:s3cret", "s3cret")]
    [InlineData("*:*:*:*:any", "any")]
    [InlineData("db.example:5432:*:app:pa\\:ss\\\\word", "pa:ss\\word")]
    [InlineData("db.example:5432:shop:app:first:ignored", "first")]
    [InlineData("db.example:6000:shop:app:wrong-port", null)]
    [InlineData("other:5432:shop:app:wrong-host", null)]
    [InlineData("db.example:5432:shop:\\*:literal-star", null)]
    [InlineData("# db.example:5432:shop:app:comment", null)]
    [InlineData("db.example:5432:shop", null)]
    public void Password_file_lines_match_as_libpq_matches_them(string line, string? expected)
    {
        Assert.Equal(expected, PassFile.Match(line, "db.example", "5432", "shop", "app"));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void The_password_file_takes_the_first_match_and_is_ignored_when_others_can_read_it()
    {
        var file = Path.Combine(_directory, "pgpass");
        File.WriteAllLines(file, ["other:*:*:*:nope", "localhost:5432:*:app:socket-pass", "db:*:*:app:first", "db:*:*:*:second"]);
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Equal("first", PassFile.Find(file, new HostEndpoint("db", 5432), "shop", "app").Password);
        Assert.Equal("second", PassFile.Find(file, new HostEndpoint("db", 5432), "shop", "bob").Password);
        // A Unix-socket connection matches "localhost".
        Assert.Equal("socket-pass", PassFile.Find(file, new HostEndpoint("/var/run/postgresql", 5432), "shop", "app").Password);
        Assert.Null(PassFile.Find(Path.Combine(_directory, "missing"), new HostEndpoint("db", 5432), "shop", "app").Password);

        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var ignored = PassFile.Find(file, new HostEndpoint("db", 5432), "shop", "app");
        Assert.Null(ignored.Password);
        Assert.Contains("group or world access", ignored.Ignored, StringComparison.Ordinal);
    }
}

using Microsoft.Extensions.Logging;
using PgWire.Testing;
using PgWire.Tests.Server;
using Xunit;

namespace PgWire.Tests.Observability;

[Collection(ServerCollection.Name)]
public class LoggingTests(ServerFixture fixture)
{
    private PgWireDataSourceBuilder Builder(CapturingLoggerFactory logs, string extra = "") =>
        fixture.CreateDataSourceBuilder(extra).UseLoggerFactory(logs);

    [Fact]
    public async Task Opening_and_closing_a_connection_is_logged_with_the_server_and_never_the_password()
    {
        var logs = new CapturingLoggerFactory();
        var connectionString = fixture.Server.ConnectionStringFor("scram-sha-256") + ";SSL Mode=Require";
        await using (var dataSource = new PgWireDataSourceBuilder(connectionString).UseLoggerFactory(logs).Build())
        {
            using var rows = await dataSource.QueryAsync("SELECT 1");
        }

        var opened = Assert.Single(logs.WithId(1000));
        Assert.Equal("PgWire.Connection", opened.Category);
        Assert.Equal(LogLevel.Debug, opened.Level);
        Assert.Equal(fixture.Server.Host, opened["Host"]);
        Assert.Equal(fixture.Server.Port, opened["Port"]);
        Assert.Equal("postgres", opened["Database"]);
        Assert.Equal("pgwire_scram_sha_256", opened["User"]);
        Assert.StartsWith("Tls", (string)opened["Encryption"]!, StringComparison.Ordinal);
        Assert.Equal("3.0", opened["ProtocolVersion"]);
        Assert.True((int)opened["ProcessId"]! > 0);
        var tls = Assert.Single(logs.WithId(5000));
        Assert.Equal("PgWire.Tls", tls.Category);
        var closed = Assert.Single(logs.WithId(1002));
        Assert.Equal(opened["ProcessId"], closed["ProcessId"]);
        foreach (var e in logs.Events)
        {
            Assert.DoesNotContain(PgTestServer.RolePassword, e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(e.State, p => p.Value is string s && s.Contains(PgTestServer.RolePassword, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_failed_open_is_one_warning_that_says_why()
    {
        var logs = new CapturingLoggerFactory();
        var wrong = fixture.Server.ConnectionStringFor("scram-sha-256", password: "not-the-password");
        await using var dataSource = new PgWireDataSourceBuilder(wrong).UseLoggerFactory(logs).Build();
        await Assert.ThrowsAsync<PgWireServerException>(async () => await dataSource.ExecuteAsync("SELECT 1"));
        var failed = Assert.Single(logs.WithId(1001));
        Assert.Equal(LogLevel.Warning, failed.Level);
        Assert.Contains("password authentication failed", failed.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", failed.Message, StringComparison.Ordinal);
        Assert.Empty(logs.WithId(1003)); // not also a "broken connection"
    }

    [Fact]
    public async Task Commands_are_logged_at_debug_with_their_duration_and_sql_but_no_values_by_default()
    {
        var logs = new CapturingLoggerFactory();
        await using var dataSource = Builder(logs).Build();
        using (var rows = await dataSource.QueryAsync("SELECT $1::text AS logged_value", "secret-value-1")) { }
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT @v::text AS logged_via_adonet";
            command.Parameters.AddWithValue("v", "secret-value-2");
            Assert.Equal("secret-value-2", await command.ExecuteScalarAsync());
        }

        var completed = logs.WithId(2000).ToList();
        var native = Assert.Single(completed, e => ((string)e["Sql"]!).Contains("logged_value", StringComparison.Ordinal));
        Assert.Equal("PgWire.Command", native.Category);
        Assert.Equal(LogLevel.Debug, native.Level);
        Assert.True((double)native["DurationMs"]! > 0);
        Assert.True((int)native["ProcessId"]! > 0);
        Assert.Single(completed, e => ((string)e["Sql"]!).Contains("logged_via_adonet", StringComparison.Ordinal));
        Assert.Empty(logs.WithId(2001));
        Assert.DoesNotContain(logs.Events, e => e.Message.Contains("secret-value", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Parameter_values_are_logged_only_when_enabled()
    {
        var logs = new CapturingLoggerFactory();
        await using var dataSource = Builder(logs).EnableParameterLogging().Build();
        using (var rows = await dataSource.QueryAsync("SELECT $1::text, $2::int, $3::bytea", "visible", 42, new byte[] { 1, 2, 3 })) { }
        var completed = Assert.Single(logs.WithId(2001));
        Assert.Equal("$1='visible', $2=42, $3=<3 bytes>", completed["Parameters"]);
    }

    [Fact]
    public async Task Slow_commands_are_a_warning_past_the_threshold_and_fast_ones_are_not()
    {
        var logs = new CapturingLoggerFactory(LogLevel.Warning);
        await using var dataSource = Builder(logs).UseSlowCommandThreshold(TimeSpan.FromMilliseconds(200)).Build();
        await dataSource.ExecuteAsync("SELECT pg_sleep(0.3) /* slow one */");
        await dataSource.ExecuteAsync("SELECT 1 /* fast one */");
        var slow = Assert.Single(logs.WithId(2002));
        Assert.Equal(LogLevel.Warning, slow.Level);
        Assert.Contains("slow one", (string)slow["Sql"]!, StringComparison.Ordinal);
        Assert.True((double)slow["DurationMs"]! >= 300);
        Assert.Equal(200.0, slow["ThresholdMs"]);
        Assert.Throws<ArgumentOutOfRangeException>(() => new PgWireDataSourceBuilder().UseSlowCommandThreshold(TimeSpan.Zero));
    }

    [Fact]
    public async Task Server_notices_are_logged_at_the_level_of_their_severity()
    {
        var logs = new CapturingLoggerFactory();
        await using var dataSource = Builder(logs).Build();
        await dataSource.ExecuteAsync("DO $$ BEGIN RAISE NOTICE 'a notice for the log'; RAISE WARNING 'a warning for the log'; END $$");
        var notices = logs.WithId(6000).ToList();
        Assert.Contains(notices, e => e.Level == LogLevel.Information && (string)e["Message"]! == "a notice for the log" && e.Category == "PgWire.Notifications");
        Assert.Contains(notices, e => e.Level == LogLevel.Warning && (string)e["Message"]! == "a warning for the log" && (string)e["SqlState"]! == "01000");
    }

    [Fact]
    public async Task Timeouts_and_cancellations_are_logged()
    {
        var logs = new CapturingLoggerFactory();
        await using var dataSource = Builder(logs, "Command Timeout=1").Build();
        await Assert.ThrowsAsync<TimeoutException>(async () => await dataSource.ExecuteAsync("SELECT pg_sleep(5)"));
        var timedOut = Assert.Single(logs.WithId(2006));
        Assert.Equal(LogLevel.Warning, timedOut.Level);
        Assert.Equal(1.0, timedOut["TimeoutSeconds"]);
        Assert.Contains("cancelled on the server", (string)timedOut["Outcome"]!, StringComparison.Ordinal);

        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await dataSource.ExecuteAsync("SELECT pg_sleep(5)", [], cts.Token));
        Assert.Equal(LogLevel.Information, Assert.Single(logs.WithId(2005)).Level);
        // A failure is logged at Debug with what it was.
        Assert.Contains(logs.WithId(2004), e => (string)e["ErrorType"]! == "timeout");
    }

    [Fact]
    public async Task Pool_exhaustion_is_logged_when_callers_wait_and_when_they_give_up()
    {
        var logs = new CapturingLoggerFactory();
        var builder = Builder(logs, "Maximum Pool Size=1;Timeout=1");
        builder.Name = "exhausted-pool";
        await using var dataSource = builder.Build();
        await using var held = await dataSource.OpenConnectionAsync();
        await Assert.ThrowsAsync<PgWireException>(async () => await dataSource.ExecuteAsync("SELECT 1"));
        var waiting = Assert.Single(logs.WithId(3000));
        Assert.Equal("exhausted-pool", waiting["Pool"]);
        var timedOut = Assert.Single(logs.WithId(3001));
        Assert.Equal(LogLevel.Warning, timedOut.Level);
        Assert.Equal(1, timedOut["InUse"]);
    }

    [Fact]
    public async Task A_connection_the_server_ends_is_logged_as_broken_with_the_reason()
    {
        var logs = new CapturingLoggerFactory();
        await using var dataSource = Builder(logs).Build();
        await using var admin = fixture.CreateDataSource();
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var pid = connection.CreateCommand();
        pid.CommandText = "SELECT pg_backend_pid()";
        var backend = (int)(await pid.ExecuteScalarAsync())!;
        await admin.ExecuteAsync("SELECT pg_terminate_backend($1)", backend);
        await using var next = connection.CreateCommand();
        next.CommandText = "SELECT 1";
        await Assert.ThrowsAnyAsync<PgWireException>(async () => await next.ExecuteScalarAsync());
        var broken = Assert.Single(logs.WithId(1003));
        Assert.Equal(LogLevel.Warning, broken.Level);
        Assert.Equal(backend, broken["ProcessId"]);
        Assert.Contains("terminat", (string)broken["Reason"]!, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Statements_leaving_the_cache_are_logged_at_trace()
    {
        var logs = new CapturingLoggerFactory();
        await using var dataSource = Builder(logs, "Max Auto Prepare=1;Auto Prepare Min Usages=1").Build();
        await using var connection = await dataSource.OpenConnectionAsync();
        foreach (var sql in new[] { "SELECT 1 AS first_cached", "SELECT 2 AS second_cached" })
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteScalarAsync();
        }
        var evicted = Assert.Single(logs.WithId(2010));
        Assert.Equal(LogLevel.Trace, evicted.Level);
        Assert.Equal("SELECT 1 AS first_cached", evicted["Sql"]);
        Assert.Equal(1, evicted["Capacity"]);
    }

    [Fact]
    public async Task A_copy_is_logged_with_its_rows()
    {
        var logs = new CapturingLoggerFactory();
        await using var dataSource = Builder(logs).Build();
        await dataSource.ExecuteAsync("DROP TABLE IF EXISTS logged_copy; CREATE TABLE logged_copy (id int)");
        Assert.Equal(3UL, await dataSource.BulkInsertAsync("logged_copy", ["id"], new[] { 1, 2, 3 }));
        var copy = Assert.Single(logs.WithId(4000));
        Assert.Equal("PgWire.Copy", copy.Category);
        Assert.Equal(3L, copy["Rows"]);
        Assert.Contains("logged_copy", (string)copy["Sql"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_password_written_into_the_sql_text_is_masked_in_logs_and_spans()
    {
        var logs = new CapturingLoggerFactory();
        using var spans = new SpanCollector("logged_role");
        await using var dataSource = Builder(logs).Build();
        await dataSource.ExecuteAsync("DROP ROLE IF EXISTS logged_role; CREATE ROLE logged_role PASSWORD 'not-for-logs'; ALTER ROLE logged_role ENCRYPTED PASSWORD E'also''secret'");
        var completed = Assert.Single(logs.WithId(2000), e => ((string)e["Sql"]!).Contains("logged_role", StringComparison.Ordinal));
        Assert.Equal("DROP ROLE IF EXISTS logged_role; CREATE ROLE logged_role PASSWORD '***'; ALTER ROLE logged_role ENCRYPTED PASSWORD '***'", completed["Sql"]);
        var span = Assert.Single(spans.Spans);
        Assert.Equal(completed["Sql"], span.GetTagItem("db.query.text"));
        Assert.DoesNotContain(logs.Events, e => e.Message.Contains("not-for-logs", StringComparison.Ordinal) || e.Message.Contains("secret", StringComparison.Ordinal));
        await dataSource.ExecuteAsync("DROP ROLE logged_role");
    }

    [Fact]
    public async Task Without_a_logger_factory_nothing_is_logged_and_everything_works()
    {
        await using var dataSource = fixture.CreateDataSourceBuilder().UseLoggerFactory(null).Build();
        using var rows = await dataSource.QueryAsync("SELECT 1");
        Assert.Equal(1, rows[0].Get<int>(0));
    }
}

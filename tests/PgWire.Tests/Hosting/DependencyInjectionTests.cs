using System.Data.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PgWire.Tests.Observability;
using PgWire.Tests.Server;
using Xunit;

namespace PgWire.Tests.Hosting;

[Collection(ServerCollection.Name)]
public class DependencyInjectionTests(ServerFixture fixture)
{
    [Fact]
    public async Task A_host_gets_one_data_source_connections_from_it_and_its_logging_and_disposes_it_on_stop()
    {
        var logs = new CapturingLoggerFactory(LogLevel.Debug);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders().AddProvider(new CapturingProvider(logs)).SetMinimumLevel(LogLevel.Debug);
        builder.Services.AddPgWireDataSource(fixture.ConnectionString, pg => pg.Name = "hosted");
        PgWireDataSource dataSource;
        using (var host = builder.Build())
        {
            await host.StartAsync();
            dataSource = host.Services.GetRequiredService<PgWireDataSource>();
            Assert.Same(dataSource, host.Services.GetRequiredService<DbDataSource>());
            await using (var scope = host.Services.CreateAsyncScope())
            {
                var connection = scope.ServiceProvider.GetRequiredService<PgWireConnection>();
                Assert.NotSame(connection, scope.ServiceProvider.GetRequiredService<PgWireConnection>()); // transient
                Assert.IsType<PgWireConnection>(scope.ServiceProvider.GetRequiredService<DbConnection>());
                await connection.OpenAsync();
                await using var command = connection.CreateCommand();
                command.CommandText = "SELECT 40 + 2 AS hosted_query";
                Assert.Equal(42, await command.ExecuteScalarAsync());
                await connection.DisposeAsync();
            }
            await host.StopAsync();
        }
        // The host's logging was used without being asked for.
        Assert.Contains(logs.WithId(2000), e => ((string)e["Sql"]!).Contains("hosted_query", StringComparison.Ordinal));
        // Disposed with the host: its pool is closed.
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await dataSource.ExecuteAsync("SELECT 1"));
    }

    [Fact]
    public async Task Keyed_registrations_give_each_database_its_own_data_source_and_scoped_connections()
    {
        var services = new ServiceCollection();
        services.AddPgWireDataSource(fixture.ConnectionString + ";Application Name=reads", connectionLifetime: ServiceLifetime.Scoped, serviceKey: "reads");
        services.AddPgWireDataSource(fixture.ConnectionString + ";Application Name=writes", serviceKey: "writes");
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
        var reads = provider.GetRequiredKeyedService<PgWireDataSource>("reads");
        var writes = provider.GetRequiredKeyedService<PgWireDataSource>("writes");
        Assert.NotSame(reads, writes);
        Assert.Same(writes, provider.GetRequiredKeyedService<DbDataSource>("writes"));
        Assert.Null(provider.GetService<PgWireDataSource>()); // no unkeyed one was registered
        using (var rows = await reads.QueryAsync("SELECT current_setting('application_name')"))
            Assert.Equal("reads", rows[0].Get<string>(0));
        using (var rows = await writes.QueryAsync("SELECT current_setting('application_name')"))
            Assert.Equal("writes", rows[0].Get<string>(0));
        await using var scope = provider.CreateAsyncScope();
        Assert.Same(
            scope.ServiceProvider.GetRequiredKeyedService<PgWireConnection>("reads"),
            scope.ServiceProvider.GetRequiredKeyedService<PgWireConnection>("reads")); // scoped
    }

    [Fact]
    public void Registration_checks_what_it_is_given()
    {
        var services = new ServiceCollection();
        var bad = Assert.Throws<ArgumentException>(() => services.AddPgWireDataSource("Hots=x"));
        Assert.Contains("hots", bad.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Throws<ArgumentException>(() => services.AddPgWireDataSource(fixture.ConnectionString, connectionLifetime: ServiceLifetime.Singleton));
    }

    [Fact]
    public async Task The_health_check_runs_its_query_through_the_pool()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPgWireDataSource(fixture.ConnectionString);
        services.AddPgWireDataSource("Host=127.0.0.1;Port=1;Username=nobody;Timeout=1", serviceKey: "down");
        services.AddHealthChecks()
            .AddPgWire(tags: ["ready"])
            .AddPgWire("bad-query", query: "SELECT * FROM health_missing_table", failureStatus: HealthStatus.Degraded)
            .AddPgWire("slow", query: "SELECT pg_sleep(3)", timeout: TimeSpan.FromMilliseconds(300))
            .AddPgWire("down", dataSourceKey: "down");
        await using var provider = services.BuildServiceProvider();
        var report = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        Assert.Equal(HealthStatus.Healthy, report.Entries["pgwire"].Status);
        Assert.Contains("ready", report.Entries["pgwire"].Tags);
        Assert.True((int)report.Entries["pgwire"].Data["openConnections"] >= 1);
        Assert.Equal(HealthStatus.Degraded, report.Entries["bad-query"].Status);
        Assert.Contains("health_missing_table", report.Entries["bad-query"].Description, StringComparison.Ordinal);
        Assert.Equal(HealthStatus.Unhealthy, report.Entries["slow"].Status);
        Assert.True(report.Entries["slow"].Duration < TimeSpan.FromSeconds(2));
        Assert.Equal(HealthStatus.Unhealthy, report.Entries["down"].Status);
        Assert.Equal(HealthStatus.Unhealthy, report.Status);
    }

    private sealed class CapturingProvider(CapturingLoggerFactory sink) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => sink.CreateLogger(categoryName);

        public void Dispose() { }
    }
}

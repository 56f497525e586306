// Uses every PgWire package the way a service would, against a throwaway server (or PGWIRE_CONNECTION), and exits
// non-zero when anything is not as a user expects.
using System.Diagnostics;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Trace;
using PgWire;
using PgWire.Dapper;
using PgWire.Testing;

await using var server = await PgTestServer.FromEnvironmentOrStartAsync();
var spans = new List<Activity>();
using var tracing = Sdk.CreateTracerProviderBuilder().AddPgWireInstrumentation().AddInMemoryExporter(spans).Build();

var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddPgWireDataSource(server.ConnectionString, pg => pg.Name = "consumer");
builder.Services.AddHealthChecks().AddPgWire();
using var host = builder.Build();
await host.StartAsync();

var dataSource = host.Services.GetRequiredService<PgWireDataSource>();
using (var rows = await dataSource.QueryAsync("SELECT $1::int + 1 AS answer", 41))
    Check(rows[0].Get<int>(0) == 42, "QueryAsync through the registered data source");

PgWireDapper.AddTypeHandlers();
await using (var connection = host.Services.GetRequiredService<PgWireConnection>())
{
    await connection.OpenAsync();
    var found = (await connection.QueryAsync<int>("SELECT n FROM generate_series(1, 5) AS n WHERE n = ANY(@ids)", new { ids = new[] { 2, 4 } })).ToList();
    Check(found.SequenceEqual([2, 4]), "Dapper with an array parameter");
}

var health = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
Check(health.Status == HealthStatus.Healthy, "the health check");
tracing!.ForceFlush();
Check(spans.Any(s => s.GetTagItem("db.system.name") as string == "postgresql"), "a span through OpenTelemetry");
await host.StopAsync();
Console.WriteLine("package consumer: every package restored from the local feed works");
return 0;

static void Check(bool ok, string what)
{
    if (ok) return;
    Console.Error.WriteLine($"package consumer: FAILED: {what}");
    Environment.Exit(1);
}

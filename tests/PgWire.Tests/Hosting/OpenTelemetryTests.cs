using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using PgWire.Tests.Server;
using Xunit;

namespace PgWire.Tests.Hosting;

[Collection(ServerCollection.Name)]
public class OpenTelemetryTests(ServerFixture fixture)
{
    [Fact]
    public async Task AddPgWireInstrumentation_exports_spans_and_metrics_through_the_sdk()
    {
        var spans = new List<Activity>();
        var metrics = new List<Metric>();
        using (var tracer = Sdk.CreateTracerProviderBuilder().AddPgWireInstrumentation().AddInMemoryExporter(spans).Build())
        using (var meter = Sdk.CreateMeterProviderBuilder().AddPgWireInstrumentation().AddInMemoryExporter(metrics).Build())
        {
            var builder = fixture.CreateDataSourceBuilder();
            builder.Name = "otel-exported";
            await using (var dataSource = builder.Build())
            using (await dataSource.QueryAsync("SELECT 1 AS otel_exported")) { }
            tracer!.ForceFlush();
            meter!.ForceFlush();
        }

        var span = Assert.Single(spans, s => s.GetTagItem("db.query.text") as string == "SELECT 1 AS otel_exported");
        Assert.Equal("postgresql", span.GetTagItem("db.system.name"));
        Assert.Contains(metrics, m => m.Name == "db.client.operation.duration" && m.Unit == "s");
        Assert.Contains(metrics, m => m.Name == "db.client.connection.create_time");
    }
}

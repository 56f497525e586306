// A minimal API on PgWire, as a service would use it: the data source from dependency injection (with the host's
// logging), OpenTelemetry spans and metrics, a health check, and endpoints that read 100 rows x 9 columns to JSON
// and write rows. PGWIRE_CONNECTION names the server; without it a throwaway local PostgreSQL is started.
// WEBAPI_TELEMETRY=console prints spans and metrics; "off" (the load test) exports nothing.
using System.Text.Json.Serialization;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using PgWire.Testing;
using WebApi;

var server = await PgTestServer.FromEnvironmentOrStartAsync("PGWIRE_CONNECTION");
var builder = WebApplication.CreateSlimBuilder(args);
builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, ItemJson.Default));
var poolSize = builder.Configuration["WEBAPI_POOL_SIZE"] ?? "8";
// WEBAPI_EXTRA: more connection string settings (the load test tries PgWire's Multiplexing=true with it).
var extra = builder.Configuration["WEBAPI_EXTRA"] is { Length: > 0 } more ? ";" + more : "";
Store.Register(builder.Services, builder.Services.AddHealthChecks(), $"{server.ConnectionString};Maximum Pool Size={poolSize}{extra}");

if (builder.Configuration["WEBAPI_TELEMETRY"] is not "off")
{
    builder.Services.AddOpenTelemetry()
        // The request's span is the parent of PgWire's (without it ASP.NET Core's unsampled activity would be, and
        // the default parent-based sampler would drop PgWire's spans with it).
        .WithTracing(t => t.AddAspNetCoreInstrumentation().AddPgWireInstrumentation().AddConsoleExporter())
        .WithMetrics(m => m.AddPgWireInstrumentation().AddConsoleExporter((_, reader) => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 30_000));
}

var app = builder.Build();
await Store.CreateTableAsync(app.Services);
app.Lifetime.ApplicationStopped.Register(() => server.DisposeAsync().AsTask().GetAwaiter().GetResult());

// 100 rows x 9 columns, as JSON.
app.MapGet("/items", async (Store store, int? count) => Results.Ok(await store.ReadAsync(Math.Clamp(count ?? 100, 1, 1000))));
// The same JSON written each driver's best way: Npgsql's objects and JsonSerializer, PgWire's PgRowSet.WriteJson.
app.MapGet("/items/json", async (HttpContext context, Store store, int? count) =>
{
    context.Response.ContentType = "application/json; charset=utf-8";
    await store.WriteItemsAsync(Math.Clamp(count ?? 100, 1, 1000), context.Response.Body, context.RequestAborted);
});
// One row by key.
app.MapGet("/items/{id:int}", async (Store store, int id) => await store.FindAsync(id) is { } item ? Results.Ok(item) : Results.NotFound());
// A new row from the body.
app.MapPost("/items", async (Store store, Item item) => Results.Created($"/items/{await store.InsertAsync(item)}", null));
app.MapHealthChecks("/health");

app.Run();

namespace WebApi
{
    /// <summary>One row of the 9-column table.</summary>
    public sealed record Item(int Id, long Big, string Text, double Ratio, decimal Price, bool Flag, DateTime Taken, Guid Key, string Json);

    [JsonSerializable(typeof(Item))]
    [JsonSerializable(typeof(List<Item>))]
    internal sealed partial class ItemJson : JsonSerializerContext;
}

using System.Collections.Concurrent;
using System.Diagnostics;
using PgWire.Tests.Server;
using Xunit;

namespace PgWire.Tests.Observability;

/// <summary>Collects the PgWire spans whose query text holds a marker (other tests run at the same time).</summary>
public sealed class SpanCollector : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<Activity> _spans = new();

    public SpanCollector(string marker)
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == PgWireInstrumentation.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.GetTagItem("db.query.text") is string text && text.Contains(marker, StringComparison.Ordinal)) _spans.Enqueue(activity);
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public IReadOnlyList<Activity> Spans => [.. _spans];

    public void Dispose() => _listener.Dispose();
}

[Collection(ServerCollection.Name)]
public class TracingTests(ServerFixture fixture)
{
    [Fact]
    public async Task A_query_is_one_client_span_with_the_database_conventions()
    {
        using var spans = new SpanCollector("traced_query");
        await using var dataSource = fixture.CreateDataSource();
        using (var rows = await dataSource.QueryAsync("SELECT n AS traced_query FROM generate_series(1, $1) AS n", 3)) { }

        var span = Assert.Single(spans.Spans);
        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal("SELECT generate_series", span.DisplayName);
        Assert.Equal("postgresql", span.GetTagItem("db.system.name"));
        Assert.Equal("postgres", span.GetTagItem("db.namespace"));
        Assert.Equal("SELECT", span.GetTagItem("db.operation.name"));
        Assert.Equal("SELECT generate_series", span.GetTagItem("db.query.summary"));
        Assert.Equal("SELECT n AS traced_query FROM generate_series(1, $1) AS n", span.GetTagItem("db.query.text"));
        Assert.Equal(fixture.Server.Host, span.GetTagItem("server.address"));
        Assert.Equal(fixture.Server.Port, span.GetTagItem("server.port"));
        Assert.Equal(3L, span.GetTagItem("db.response.returned_rows"));
        Assert.True((double)span.GetTagItem("pgwire.connection.wait_time")! >= 0);
        Assert.True((double)span.GetTagItem("pgwire.time_to_first_row")! > 0);
        // Two clocks (the span's wall clock, the driver's monotonic one): within a millisecond of each other.
        Assert.True((double)span.GetTagItem("pgwire.time_to_first_row")! <= span.Duration.TotalSeconds + 0.001);
        Assert.True((int)span.GetTagItem("pgwire.backend.pid")! > 0);
        Assert.Null(span.GetTagItem("db.query.parameter.1")); // values only when opted in
        Assert.Null(span.GetTagItem("error.type"));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
    }

    [Fact]
    public async Task A_failed_command_carries_the_sqlstate_and_an_error_status()
    {
        using var spans = new SpanCollector("traced_missing_table");
        await using var dataSource = fixture.CreateDataSource();
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT * FROM traced_missing_table";
        await Assert.ThrowsAsync<PgWireServerException>(() => command.ExecuteReaderAsync());

        var span = Assert.Single(spans.Spans);
        Assert.Equal("42P01", span.GetTagItem("error.type"));
        Assert.Equal("42P01", span.GetTagItem("db.response.status_code"));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("SELECT traced_missing_table", span.DisplayName);
    }

    [Fact]
    public async Task A_timeout_is_an_error_span_of_type_timeout()
    {
        using var spans = new SpanCollector("traced_timeout");
        await using var dataSource = fixture.CreateDataSource("Command Timeout=1");
        await Assert.ThrowsAsync<TimeoutException>(async () => await dataSource.ExecuteAsync("SELECT pg_sleep(5) /* traced_timeout */"));
        var span = Assert.Single(spans.Spans);
        Assert.Equal("timeout", span.GetTagItem("error.type"));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
    }

    [Fact]
    public async Task A_batch_and_a_pipeline_are_one_span_each_with_their_size()
    {
        using var spans = new SpanCollector("traced_batch");
        await using var dataSource = fixture.CreateDataSource();
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            await using var batch = connection.CreateBatch();
            batch.BatchCommands.Add(new PgWireBatchCommand("SELECT 1 AS traced_batch"));
            batch.BatchCommands.Add(new PgWireBatchCommand("SELECT 2 AS traced_batch"));
            await using var reader = await batch.ExecuteReaderAsync();
            while (await reader.NextResultAsync()) { }
        }
        using (await dataSource.PipelineAsync("SELECT $1::int AS traced_batch_pipeline", [[1], [2], [3]])) { }

        var spans2 = spans.Spans;
        Assert.Equal(2, spans2.Count);
        var batchSpan = Assert.Single(spans2, s => s.GetTagItem("db.operation.batch.size") is 2);
        Assert.Equal("BATCH SELECT", batchSpan.GetTagItem("db.operation.name"));
        Assert.Equal("SELECT 1 AS traced_batch; SELECT 2 AS traced_batch", batchSpan.GetTagItem("db.query.text"));
        var pipeline = Assert.Single(spans2, s => s.GetTagItem("db.operation.batch.size") is 3);
        Assert.Equal("SELECT $1::int AS traced_batch_pipeline", pipeline.GetTagItem("db.query.text"));
        Assert.Equal(3L, pipeline.GetTagItem("db.response.returned_rows"));
    }

    [Fact]
    public async Task A_copy_is_a_span_named_for_its_table()
    {
        await using var dataSource = fixture.CreateDataSource();
        await dataSource.ExecuteAsync("DROP TABLE IF EXISTS traced_copy; CREATE TABLE traced_copy (id int)");
        using var spans = new SpanCollector("traced_copy");
        Assert.Equal(2UL, await dataSource.BulkInsertAsync("traced_copy", ["id"], new[] { 1, 2 }));
        var span = Assert.Single(spans.Spans, s => (string?)s.GetTagItem("db.operation.name") == "COPY");
        Assert.Equal("COPY traced_copy", span.DisplayName);
        Assert.Equal(2L, span.GetTagItem("db.response.returned_rows"));
    }

    [Fact]
    public async Task Parameter_values_go_into_spans_only_with_parameter_logging()
    {
        using var spans = new SpanCollector("traced_parameters");
        await using var dataSource = fixture.CreateDataSourceBuilder().EnableParameterLogging().Build();
        using (await dataSource.QueryAsync("SELECT $1::text AS traced_parameters, $2::int", "shown", 7)) { }
        var span = Assert.Single(spans.Spans);
        Assert.Equal("'shown'", span.GetTagItem("db.query.parameter.1"));
        Assert.Equal("7", span.GetTagItem("db.query.parameter.2"));
    }

    [Fact]
    public async Task A_span_joins_the_callers_trace()
    {
        using var spans = new SpanCollector("traced_parent");
        using var parentSource = new ActivitySource("PgWire.Tests.Parent");
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == parentSource.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        await using var dataSource = fixture.CreateDataSource();
        using (var parent = parentSource.StartActivity("request"))
        {
            using (await dataSource.QueryAsync("SELECT 1 AS traced_parent")) { }
            var span = Assert.Single(spans.Spans);
            Assert.Equal(parent!.TraceId, span.TraceId);
            Assert.Equal(parent.SpanId, span.ParentSpanId);
        }
    }
}

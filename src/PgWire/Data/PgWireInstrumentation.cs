namespace PgWire;

/// <summary>
/// The names under which PgWire publishes its traces and metrics, for listeners and OpenTelemetry
/// (<c>AddSource(PgWireInstrumentation.ActivitySourceName)</c>, <c>AddMeter(PgWireInstrumentation.MeterName)</c>; the
/// PgWire.OpenTelemetry package's <c>AddPgWireInstrumentation()</c> does both).
/// </summary>
/// <remarks>
/// Spans follow OpenTelemetry's database-client conventions: one per command, batch, pipeline and COPY, named by
/// <c>db.query.summary</c> (<c>SELECT users</c>), with <c>db.system.name</c>, <c>db.namespace</c>, <c>db.operation.name</c>,
/// <c>db.query.text</c> (placeholders, never values unless parameter logging is on), <c>db.operation.batch.size</c>,
/// <c>server.address</c>, <c>server.port</c>, and on failure <c>error.type</c> and <c>db.response.status_code</c> (the
/// SQLSTATE); PgWire adds <c>pgwire.connection.wait_time</c>, <c>pgwire.time_to_first_row</c> (seconds) and
/// <c>pgwire.backend.pid</c>. The meter has <c>db.client.operation.duration</c>, <c>db.client.response.returned_rows</c>,
/// the <c>db.client.connection.*</c> pool instruments, and <c>pgwire.client.bytes_received</c>,
/// <c>pgwire.client.statement_cache.hits</c>/<c>misses</c> and <c>pgwire.client.multiplexing.queue_depth</c>. Nothing is
/// measured while nobody listens.
/// </remarks>
public static class PgWireInstrumentation
{
    /// <summary>The <see cref="System.Diagnostics.ActivitySource"/>'s name: <c>PgWire</c>.</summary>
    public const string ActivitySourceName = Diagnostics.Instruments.Name;

    /// <summary>The <see cref="System.Diagnostics.Metrics.Meter"/>'s name: <c>PgWire</c>.</summary>
    public const string MeterName = Diagnostics.Instruments.Name;
}

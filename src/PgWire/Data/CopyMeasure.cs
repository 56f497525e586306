using PgWire.Connection;
using PgWire.Diagnostics;

namespace PgWire;

/// <summary>
/// The span, duration and log event of one COPY, from its start until it completed, failed or was abandoned. Made
/// only while something listens (<see cref="Start"/> returns null otherwise), so a COPY nobody measures allocates
/// nothing for it.
/// </summary>
internal sealed class CopyMeasure
{
    private readonly DataSourceTelemetry _telemetry;
    private Operation _operation;

    private CopyMeasure(DataSourceTelemetry telemetry, Operation operation)
    {
        _telemetry = telemetry;
        _operation = operation;
    }

    /// <summary>Starts measuring the COPY <paramref name="sql"/> on <paramref name="connector"/>; null when nobody listens.</summary>
    public static CopyMeasure? Start(PgConnector connector, string sql)
    {
        var telemetry = connector.Options.Telemetry;
        var operation = telemetry.Start(OperationKind.Copy, sql, null);
        if (!operation.IsActive) return null;
        DataSourceTelemetry.Acquired(ref operation, 0, connector.ProcessId, connector.Options.Host, connector.Options.Port);
        return new CopyMeasure(telemetry, operation);
    }

    /// <summary>The COPY completed (<paramref name="rows"/> copied, -1 when unknown) or failed with <paramref name="error"/>.</summary>
    public void End(long rows, Exception? error) => _telemetry.End(ref _operation, rows, error);

    /// <summary>The COPY was abandoned before it completed (disposed, cancelled, or its connection closed).</summary>
    public void Abandoned() => _telemetry.End(ref _operation, -1, new OperationCanceledException("The COPY was abandoned before it completed."));
}

using PgWire;

namespace OpenTelemetry.Metrics;

/// <summary>Adds PgWire's metrics to an OpenTelemetry meter provider.</summary>
public static class PgWireMeterProviderBuilderExtensions
{
    /// <summary>
    /// Collects PgWire's metrics (the <c>PgWire</c> meter): <c>db.client.operation.duration</c>, the
    /// <c>db.client.connection.*</c> pool instruments and PgWire's own (see <see cref="PgWireInstrumentation"/>).
    /// </summary>
    /// <param name="builder">The meter provider builder.</param>
    /// <returns>The builder, for chaining.</returns>
    public static MeterProviderBuilder AddPgWireInstrumentation(this MeterProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddMeter(PgWireInstrumentation.MeterName);
    }
}

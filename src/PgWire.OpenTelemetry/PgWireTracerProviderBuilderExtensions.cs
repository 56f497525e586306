using PgWire;

namespace OpenTelemetry.Trace;

/// <summary>Adds PgWire's spans to an OpenTelemetry tracer provider.</summary>
public static class PgWireTracerProviderBuilderExtensions
{
    /// <summary>
    /// Collects PgWire's spans (the <c>PgWire</c> activity source): one client span per command, batch, pipeline and
    /// COPY, with OpenTelemetry's database-client attributes (see <see cref="PgWireInstrumentation"/>).
    /// </summary>
    /// <param name="builder">The tracer provider builder.</param>
    /// <returns>The builder, for chaining.</returns>
    public static TracerProviderBuilder AddPgWireInstrumentation(this TracerProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddSource(PgWireInstrumentation.ActivitySourceName);
    }
}

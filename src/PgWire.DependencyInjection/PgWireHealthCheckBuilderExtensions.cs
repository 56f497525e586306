using Microsoft.Extensions.Diagnostics.HealthChecks;
using PgWire;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds a PgWire health check to an <see cref="IHealthChecksBuilder"/>.</summary>
public static class PgWireHealthCheckBuilderExtensions
{
    /// <summary>
    /// Adds a check that runs <paramref name="query"/> on a connection from the registered <see cref="PgWireDataSource"/>'s
    /// pool (<see cref="PgWireServiceCollectionExtensions.AddPgWireDataSource(IServiceCollection, string, Action{PgWireDataSourceBuilder}?, ServiceLifetime, ServiceLifetime, object?)"/>):
    /// healthy when it answers within <paramref name="timeout"/>, else <paramref name="failureStatus"/> with the reason.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="query">The query to run; <c>SELECT 1</c> by default.</param>
    /// <param name="failureStatus">The status reported on failure; <see cref="HealthStatus.Unhealthy"/> by default.</param>
    /// <param name="tags">Tags to filter checks by (readiness, liveness).</param>
    /// <param name="timeout">How long the check may take; 5 seconds by default.</param>
    /// <param name="dataSourceKey">The key the data source was registered under; null for the unkeyed one.</param>
    /// <returns>The builder, for chaining.</returns>
    public static IHealthChecksBuilder AddPgWire(
        this IHealthChecksBuilder builder,
        string name = "pgwire",
        string query = "SELECT 1",
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null,
        TimeSpan? timeout = null,
        object? dataSourceKey = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(query);
        var limit = timeout ?? TimeSpan.FromSeconds(5);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(limit, TimeSpan.Zero, nameof(timeout));
        return builder.Add(new HealthCheckRegistration(
            name,
            provider => new PgWireHealthCheck(
                dataSourceKey is null ? provider.GetRequiredService<PgWireDataSource>() : provider.GetRequiredKeyedService<PgWireDataSource>(dataSourceKey),
                query, limit),
            failureStatus,
            tags,
            limit));
    }
}

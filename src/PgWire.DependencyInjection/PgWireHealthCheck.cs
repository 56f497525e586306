using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using PgWire;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Runs a query through a data source's pool and reports how it went.</summary>
internal sealed class PgWireHealthCheck(PgWireDataSource dataSource, string query, TimeSpan timeout) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        var clock = Stopwatch.StartNew();
        try
        {
            using var rows = await dataSource.QueryAsync(query, [], limit.Token).ConfigureAwait(false);
            return HealthCheckResult.Healthy(
                $"The query answered in {clock.Elapsed.TotalMilliseconds:0.#} ms.",
                new Dictionary<string, object>
                {
                    ["durationMs"] = clock.Elapsed.TotalMilliseconds,
                    ["openConnections"] = dataSource.OpenConnectionCount,
                });
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"The query did not answer within {timeout.TotalSeconds:0.###} s.", e);
        }
        catch (Exception e) when (e is PgWireException or TimeoutException or System.Net.Sockets.SocketException or IOException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"The query failed: {e.Message}", e);
        }
    }
}

using System.Diagnostics;
using System.Runtime.CompilerServices;
using PgWire.Connection;
using PgWire.Diagnostics;
using PgWire.Pooling;

namespace PgWire;

/// <summary>
/// The requests behind <see cref="PgWireDataSource"/>'s own API (a query, a statement, a pipeline, a streaming query):
/// each takes a connector from the pool (or a multiplexed session), runs, and gives it back, measured as one
/// operation (span, duration, command log event) from before the rent to after the return. Arguments come checked and
/// resolved from the data source.
/// </summary>
internal sealed class DataSourceRequests(IConnectorSource pool, Multiplexer? multiplexer, DataSourceTelemetry telemetry, TimeSpan commandTimeout)
{
    private readonly Func<PgConnector, ValueTask> _returnToPool = pool.ReturnAsync;

    /// <summary>All rows of one statement, in pooled memory; the connector is back in the pool before this returns.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<PgRowSet> QueryAsync(string sql, IReadOnlyList<object?> values, CancellationToken cancellationToken)
    {
        var operation = telemetry.Start(OperationKind.Command, sql, values);
        try
        {
            if (multiplexer is not null
                && await multiplexer.ExecuteAsync(sql, values, collectRows: true, commandTimeout, cancellationToken).ConfigureAwait(false) is { } shared)
            {
                telemetry.End(ref operation, shared.Rows?.RowCount ?? 0, null);
                return new PgRowSet(shared.Description, shared.Rows, shared.RowsAffected);
            }
            var waitStarted = operation.Activity is not null ? Stopwatch.GetTimestamp() : 0;
            var connector = await pool.RentAsync(cancellationToken).ConfigureAwait(false);
            QueryResult result;
            long firstRowAt;
            try
            {
                if (operation.IsActive) Acquired(ref operation, waitStarted, connector);
                result = await QueryRunner.ExecuteAsync(connector, sql, values, collectRows: true, cancellationToken).ConfigureAwait(false);
                firstRowAt = operation.WantsFirstRow ? connector.Response.FirstRowAt : 0;
            }
            finally
            {
                await pool.ReturnAsync(connector).ConfigureAwait(false);
            }
            telemetry.End(ref operation, result.Rows?.RowCount ?? 0, null, firstRowAt);
            return new PgRowSet(result.Description, result.Rows, result.RowsAffected);
        }
        catch (Exception e) when (Failed(ref operation, e))
        {
            throw;
        }
    }

    /// <summary>One statement (or, without parameters, a script) for its rows affected.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<long> ExecuteAsync(string sql, IReadOnlyList<object?> values, CancellationToken cancellationToken)
    {
        var operation = telemetry.Start(OperationKind.Command, sql, values);
        try
        {
            long affected;
            if (multiplexer is not null && values.Count > 0
                && await multiplexer.ExecuteAsync(sql, values, collectRows: false, commandTimeout, cancellationToken).ConfigureAwait(false) is { } shared)
            {
                affected = shared.RowsAffected;
            }
            else
            {
                var waitStarted = operation.Activity is not null ? Stopwatch.GetTimestamp() : 0;
                var connector = await pool.RentAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    if (operation.IsActive) Acquired(ref operation, waitStarted, connector);
                    affected = values.Count == 0
                        ? await QueryRunner.ExecuteScriptAsync(connector, sql, cancellationToken).ConfigureAwait(false)
                        : (await QueryRunner.ExecuteAsync(connector, sql, values, collectRows: false, cancellationToken).ConfigureAwait(false)).RowsAffected;
                }
                finally
                {
                    await pool.ReturnAsync(connector).ConfigureAwait(false);
                }
            }
            telemetry.End(ref operation, -1, null);
            return affected;
        }
        catch (Exception e) when (Failed(ref operation, e))
        {
            throw;
        }
    }

    /// <summary>Queries as one pipeline, with their progress reported.</summary>
    public async ValueTask<PgPipelineResults> PipelineAsync(
        (string, object?[])[] queries, bool independentQueries, IProgress<PgProgress>? progress, CancellationToken cancellationToken)
    {
        var reporter = ProgressReporter.For(progress);
        if (queries.Length == 0)
        {
            reporter?.Complete(0, 0);
            return new PgPipelineResults([], null);
        }
        var operation = telemetry.Start(OperationKind.Pipeline, queries);
        try
        {
            var waitStarted = operation.Activity is not null ? Stopwatch.GetTimestamp() : 0;
            var connector = await pool.RentAsync(cancellationToken).ConfigureAwait(false);
            PgPipelineResults results;
            long firstRowAt, received;
            try
            {
                if (operation.IsActive) Acquired(ref operation, waitStarted, connector);
                var bytesAtStart = connector.BytesReceived;
                var (outcomes, rows) = await QueryRunner.ExecutePipelineAsync(
                    connector, queries, independentQueries, cancellationToken, progress: reporter).ConfigureAwait(false);
                results = new PgPipelineResults(outcomes, rows);
                received = connector.BytesReceived - bytesAtStart;
                firstRowAt = operation.WantsFirstRow ? connector.Response.FirstRowAt : 0;
            }
            finally
            {
                await pool.ReturnAsync(connector).ConfigureAwait(false);
            }
            // The last report once the connection is back in the pool: a slow handler holds no connection.
            reporter?.Complete(results.Count, received);
            telemetry.End(ref operation, results.RowCount, null, firstRowAt);
            return results;
        }
        catch (Exception e) when (Failed(ref operation, e))
        {
            throw;
        }
    }

    /// <summary>A streaming query: the connector stays with the reader until it ends, and so does the measurement.</summary>
    public async ValueTask<PgRowReader> QueryStreamingAsync(string sql, IReadOnlyList<object?> values, CancellationToken cancellationToken)
    {
        var operation = telemetry.Start(OperationKind.Command, sql, values);
        try
        {
            var waitStarted = operation.Activity is not null ? Stopwatch.GetTimestamp() : 0;
            var connector = await pool.RentAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (operation.IsActive) Acquired(ref operation, waitStarted, connector);
                var known = await QueryRunner.StartStreamingAsync(connector, sql, values, cancellationToken).ConfigureAwait(false);
                // Measured until the reader gives the connection back (read to the end or disposed).
                return new PgRowReader(connector, known, operation.IsActive ? new StreamingEnd(this, operation).ReturnAsync : _returnToPool);
            }
            catch
            {
                await pool.ReturnAsync(connector).ConfigureAwait(false);
                throw;
            }
        }
        catch (Exception e) when (Failed(ref operation, e))
        {
            throw;
        }
    }

    /// <summary>Ends a failed operation's measurement; false, so it can sit in an exception filter.</summary>
    private bool Failed(ref Operation operation, Exception e)
    {
        telemetry.End(ref operation, -1, e);
        return false;
    }

    /// <summary>
    /// A connector was rented for a measured operation: its span notes the wait and the backend, and the session
    /// watches for the first row while the span is recorded.
    /// </summary>
    private static void Acquired(ref Operation operation, long waitStarted, PgConnector connector)
    {
        DataSourceTelemetry.Acquired(ref operation, waitStarted, connector.ProcessId, connector.Options.Host, connector.Options.Port);
        if (operation.WantsFirstRow) connector.Response.WatchFirstRow();
    }

    /// <summary>A measured streaming query: ends its measurement when the reader gives the connector back.</summary>
    private sealed class StreamingEnd(DataSourceRequests requests, Operation operation)
    {
        private Operation _operation = operation;

        public async ValueTask ReturnAsync(PgConnector connector)
        {
            var firstRowAt = _operation.WantsFirstRow ? connector.Response.FirstRowAt : 0;
            var failed = connector.IsBroken ? new PgWireException(connector.BreakReason ?? "The connection was broken.") : null;
            await requests._returnToPool(connector).ConfigureAwait(false);
            requests.Telemetry.End(ref _operation, -1, failed, firstRowAt);
        }
    }

    private DataSourceTelemetry Telemetry => telemetry;
}

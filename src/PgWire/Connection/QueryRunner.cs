using System.Runtime.CompilerServices;
using PgWire.Buffers;
using PgWire.Protocol;
using PgWire.Exceptions;

namespace PgWire.Connection;

/// <summary>
/// Runs one statement on a connector over the extended protocol (parameters in binary, results in binary where a
/// codec exists) or a script over the simple protocol, and leaves the connector idle at ReadyForQuery.
/// </summary>
internal static class QueryRunner
{
    /// <summary>
    /// Runs <paramref name="sql"/> with positional parameters ($1..$n). With <paramref name="collectRows"/> the
    /// DataRow bodies are copied into a pooled buffer that the caller then owns.
    /// </summary>
    public static ValueTask<QueryResult> ExecuteAsync(
        PgConnector connector, string sql, IReadOnlyList<object?> parameters, bool collectRows, CancellationToken cancellationToken) =>
        OnceMoreIfStaleAsync(connector, (sql, parameters, collectRows),
            static (c, a, t) => RunAsync(c, a, static (c, a, t) => ExecuteBodyAsync(c, a.sql, a.parameters, a.collectRows, t), t), cancellationToken);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<QueryResult> ExecuteBodyAsync(
        PgConnector connector, string sql, IReadOnlyList<object?> parameters, bool collectRows, CancellationToken cancellationToken)
    {
        var handler = connector.QueryHandler;
        var sent = await StatementSender.SendAsync(connector, sql, parameters, flushAfterBind: false, cancellationToken).ConfigureAwait(false);
        handler.Reset(sent.Statement, collectRows, sent.KnownRow);
        try
        {
            await connector.ReceiveAsync(handler).ConfigureAwait(false);
        }
        catch
        {
            ReleaseRows(handler.TakeRows());
            throw;
        }
        if (handler.Error is not null)
        {
            ReleaseRows(handler.TakeRows());
            throw Fail(connector, handler.Error, cancellationToken);
        }
        return new QueryResult(handler.Description, handler.TakeRows(), handler.RowsAffected, handler.ModifiedRows);
    }

    /// <summary>
    /// The one way a request runs from start to end: under the caller's token and the Command Timeout (both cancel the
    /// statement on the server), reporting a failure after a cancellation as the cancellation or timeout it was, and
    /// always leaving the output empty and the request ended (a sent cancel settled).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<T> RunAsync<TArgs, T>(
        PgConnector connector, TArgs args, Func<PgConnector, TArgs, CancellationToken, ValueTask<T>> request, CancellationToken cancellationToken)
    {
        using var scope = connector.BeginCancellableRequest(cancellationToken);
        try
        {
            return await request(connector, args, cancellationToken).ConfigureAwait(false);
        }
        catch (PgWireException e) when (e is not PgWireServerException && connector.Cancellation.Reason != CancelReason.None)
        {
            throw CancellationOutcome(connector, e, cancellationToken);
        }
        finally
        {
            connector.Output.Clear();
            await connector.EndRequestAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Ends a request that would have gone on past this step (a streaming read, a COPY) when the step failed: the output
    /// emptied unless a pipeline is still being sent from it, a sent cancel settled. Returns the exception to throw: a
    /// failure after a cancellation as the cancellation or timeout it was, else <paramref name="failure"/> itself.
    /// </summary>
    private static async ValueTask<Exception> EndFailedRequestAsync(PgConnector connector, Exception failure, bool clearOutput, CancellationToken cancellationToken)
    {
        if (clearOutput) connector.Output.Clear();
        await connector.EndRequestAsync().ConfigureAwait(false);
        return failure is PgWireException and not PgWireServerException && connector.Cancellation.Reason != CancelReason.None
            ? CancellationOutcome(connector, failure, cancellationToken)
            : failure;
    }

    /// <summary>
    /// Runs a request once more when a prepared statement it used went stale (its result type changed, or it was
    /// deallocated behind our back): the cache was cleared by <see cref="Fail"/>, and outside a transaction nothing was
    /// done, so it is prepared afresh.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<T> OnceMoreIfStaleAsync<TArgs, T>(
        PgConnector connector, TArgs args, Func<PgConnector, TArgs, CancellationToken, ValueTask<T>> request, CancellationToken cancellationToken)
    {
        try
        {
            return await request(connector, args, cancellationToken).ConfigureAwait(false);
        }
        catch (PgWireServerException e) when ((IsStaleStatement(e) || PoolerCheck.IsNamedStatementError(e)) && !connector.IsBroken)
        {
            // A statement PgWire named is unknown to the session, or already there: a pooler that shares server sessions
            // between transactions (found by the backend PID) is explained; else a stale statement is prepared again
            // once, outside a transaction.
            var outcome = await PoolerCheck.ExplainIfPoolerAsync(connector, e, e).ConfigureAwait(false);
            if (outcome != e) throw outcome;
            if (!IsStaleStatement(e) || connector.TransactionStatus != TransactionStatus.Idle) throw;
            return await request(connector, args, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Sends several statements in one round trip (one Sync: one implicit transaction) for a streaming read of their
    /// results in order. Returns per statement its result's description when known in advance.
    /// </summary>
    public static async ValueTask<RowDescriptionInfo?[]> StartBatchAsync(
        PgConnector connector, IReadOnlyList<(string Sql, object?[] Values)> statements, CancellationToken cancellationToken)
    {
        using var scope = connector.BeginCancellableRequest(cancellationToken);
        try
        {
            if (statements.Count == 1)
            {
                var sent = await StatementSender.SendAsync(connector, statements[0].Sql, statements[0].Values, flushAfterBind: false, cancellationToken).ConfigureAwait(false);
                return connector.SingleKnown(sent.KnownRow);
            }
            var prepared = await StatementSender.PrepareBatchAsync(connector, statements, cancellationToken).ConfigureAwait(false);
            var send = StatementSender.SendBatch(connector, statements, prepared, syncEach: false);
            // A long batch is still being sent while the caller reads its first answers (the server would otherwise
            // stall on answers nobody reads); the connector waits for the rest before it sends anything else.
            if (!send.IsCompletedSuccessfully) connector.Writer.PendingSend = send.AsTask();
            return StatementSender.KnownDescriptions(prepared);
        }
        catch (Exception e)
        {
            // The request ends here (the reader that would have ended it is never made).
            var outcome = await EndFailedRequestAsync(connector, e, clearOutput: connector.Writer.PendingSend is null, cancellationToken).ConfigureAwait(false);
            if (outcome != e) throw outcome;
            throw;
        }
        finally
        {
            if (connector.Writer.PendingSend is null) connector.Output.Clear();
        }
    }

    /// <summary>
    /// Runs queries as one pipeline: every Bind/Execute written and sent at once, answers read while the requests are
    /// still being sent, rows of every query into one pooled buffer. With one Sync (<paramref name="syncEach"/> false)
    /// the first error fails the pipeline (thrown, with its index); with a Sync per query failures are recorded per
    /// query. A pipeline whose statement went stale outside a transaction is run again once.
    /// </summary>
    public static ValueTask<(PipelineOutcome[] Outcomes, RowBuffer? Rows)> ExecutePipelineAsync(
        PgConnector connector, IReadOnlyList<(string Sql, object?[] Values)> queries, bool syncEach, CancellationToken cancellationToken, bool collectRows = true,
        Diagnostics.ProgressReporter? progress = null) =>
        OnceMoreIfStaleAsync(connector, (queries, syncEach, collectRows, progress),
            static (c, a, t) => RunAsync(c, a, static (c, a, t) => ExecutePipelineBodyAsync(c, a.queries, a.syncEach, a.collectRows, a.progress, t), t), cancellationToken);

    private static async ValueTask<(PipelineOutcome[] Outcomes, RowBuffer? Rows)> ExecutePipelineBodyAsync(
        PgConnector connector, IReadOnlyList<(string Sql, object?[] Values)> queries, bool syncEach, bool collectRows,
        Diagnostics.ProgressReporter? progress, CancellationToken cancellationToken)
    {
        var handler = connector.PipelineHandler;
        var prepared = await StatementSender.PrepareBatchAsync(connector, queries, cancellationToken).ConfigureAwait(false);
        handler.Reset(prepared.Statements, StatementSender.KnownDescriptions(prepared), syncEach, collectRows, progress, connector.BytesReceived);
        var flush = StatementSender.SendBatch(connector, queries, prepared, syncEach);
        try
        {
            await connector.ReceiveAsync(handler).ConfigureAwait(false);
        }
        catch
        {
            ReleaseRows(handler.TakeRows());
            try
            {
                await flush.ConfigureAwait(false);
            }
#pragma warning disable CA1031 // The read's exception is the one to report; the connection is broken either way.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
            throw;
        }
        await flush.ConfigureAwait(false);
        if (handler.FirstError() is { } firstError)
        {
            if (!syncEach)
            {
                // All or nothing: the implicit transaction rolled back, so the pipeline may run again when stale.
                ReleaseRows(handler.TakeRows());
                throw Fail(connector, firstError, cancellationToken);
            }
            // Queries with their own Sync stand on their own: never run again (the others committed). A stale
            // statement still empties the cache for the next request.
            foreach (var outcome in handler.Outcomes)
                if (outcome.Error is { } error && IsStaleStatement(error)) connector.Descriptions.Clear();
        }
        return (handler.Outcomes, handler.TakeRows());
    }

    /// <summary>Prepares statements on this session now (explicit Prepare).</summary>
    public static async ValueTask PrepareAsync(
        PgConnector connector, IReadOnlyList<(string Sql, object?[] Values)> statements, CancellationToken cancellationToken) =>
        await RunAsync(connector, statements, static async (c, s, t) =>
        {
            await StatementPreparer.PrepareNowAsync(c, s, t).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);

    /// <summary>Describes statements without running them (CommandBehavior.SchemaOnly).</summary>
    public static ValueTask<RowDescriptionInfo?[]> DescribeOnlyAsync(
        PgConnector connector, IReadOnlyList<(string Sql, object?[] Values)> statements, CancellationToken cancellationToken) =>
        RunAsync(connector, statements, static (c, s, t) => StatementPreparer.DescribeOnlyAsync(c, s, t), cancellationToken);

    /// <summary>
    /// Sends <paramref name="sql"/> for a streaming read and waits until the server has bound it, so that a stale
    /// prepared statement can still be prepared again; the rows are then pulled by the caller. Returns the result's
    /// description when it is known without a RowDescription message.
    /// </summary>
    public static ValueTask<RowDescriptionInfo?> StartStreamingAsync(
        PgConnector connector, string sql, IReadOnlyList<object?> parameters, CancellationToken cancellationToken) =>
        OnceMoreIfStaleAsync(connector, (sql, parameters), static (c, a, t) => StartStreamingOnceAsync(c, a.sql, a.parameters, t), cancellationToken);

    private static async ValueTask<RowDescriptionInfo?> StartStreamingOnceAsync(
        PgConnector connector, string sql, IReadOnlyList<object?> parameters, CancellationToken cancellationToken)
    {
        using var scope = connector.BeginCancellableRequest(cancellationToken);
        try
        {
            var sent = await StatementSender.SendAsync(connector, sql, parameters, flushAfterBind: true, cancellationToken).ConfigureAwait(false);
            var handler = connector.BindHandler;
            handler.Reset(sent.Statement, sent.KnownRow);
            await connector.ReceiveAsync(handler).ConfigureAwait(false);
            if (handler.Error is not null) throw Fail(connector, handler.Error, cancellationToken);
            return handler.Description;
        }
        catch (Exception e)
        {
            // The request ends here (the reader that would have ended it is never made).
            var outcome = await EndFailedRequestAsync(connector, e, clearOutput: true, cancellationToken).ConfigureAwait(false);
            if (outcome != e) throw outcome;
            throw;
        }
        finally
        {
            connector.Output.Clear();
        }
    }

    /// <summary>Runs a script (one or more statements, no parameters) over the simple protocol; returns rows affected in total.</summary>
    public static async ValueTask<long> ExecuteScriptAsync(PgConnector connector, string sql, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sql);
        cancellationToken.ThrowIfCancellationRequested();
        var handler = connector.QueryHandler;
        FrontendMessages.WriteQuery(connector.Output, sql);
        handler.Reset(null, collectRows: false);
        await ExchangeAsync(connector, handler, cancellationToken).ConfigureAwait(false);
        if (handler.Error is not null) throw Fail(connector, handler.Error, cancellationToken);
        // A script that changes the schema or deallocates statements may make cached statements stale: forget
        // them (a stale one would also be caught by its 0A000/26000 and prepared again outside a transaction).
        if (MayInvalidateStatements(sql)) connector.Descriptions.Clear();
        return handler.RowsAffected;
    }

    /// <summary>
    /// Sends what is in the connector's output and reads the answer with <paramref name="handler"/> until it says the
    /// response is complete, under the caller's token and the Command Timeout (both cancel on the server).
    /// </summary>
    /// <param name="connector">The session.</param>
    /// <param name="handler">Reads the answer.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <param name="continuing">True when the exchange is a later step of a request already running (the end of a COPY).</param>
    /// <param name="endsRequest">False when the request goes on after the handler is done (a COPY that started):
    /// then only a failure ends it here.</param>
    internal static async ValueTask ExchangeAsync(
        PgConnector connector, IFrameHandler handler, CancellationToken cancellationToken, bool continuing = false, bool endsRequest = true)
    {
        using var scope = connector.BeginCancellableRequest(cancellationToken, continuing);
        var failed = false;
        try
        {
            await connector.Writer.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            await connector.ReceiveAsync(handler).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            failed = true;
            var outcome = await EndFailedRequestAsync(connector, e, clearOutput: true, cancellationToken).ConfigureAwait(false);
            if (outcome != e) throw outcome;
            throw;
        }
        finally
        {
            connector.Output.Clear();
            if (endsRequest && !failed) await connector.EndRequestAsync().ConfigureAwait(false);
        }
    }

    private static readonly string[] s_invalidatingKeywords = ["ALTER", "DROP", "CREATE", "DISCARD", "DEALLOCATE", "SET", "RESET"];

    /// <summary>
    /// Whether any statement of a script starts with a schema- or session-changing keyword. A rough look (a ';' inside a
    /// string literal only causes a needless clear), erring towards clearing.
    /// </summary>
    private static bool MayInvalidateStatements(string sql)
    {
        foreach (var range in sql.AsSpan().Split(';'))
        {
            var statement = sql.AsSpan()[range].TrimStart();
            while (statement.StartsWith("--"))
            {
                var endOfLine = statement.IndexOf('\n');
                statement = endOfLine < 0 ? default : statement[(endOfLine + 1)..].TrimStart();
            }
            if (statement.StartsWith("/*")) return true;
            foreach (var keyword in s_invalidatingKeywords)
            {
                if (statement.Length >= keyword.Length && statement[..keyword.Length].Equals(keyword, StringComparison.OrdinalIgnoreCase)
                    && (statement.Length == keyword.Length || !char.IsLetterOrDigit(statement[keyword.Length])))
                    return true;
            }
        }
        return false;
    }

    /// <summary>
    /// The errors of a prepared statement that went stale: "cached plan must not change result type" (0A000, raised by
    /// the server routine RevalidateCachedQuery; the routine name is not localized, the message is) and "prepared
    /// statement does not exist" (26000) for one of PgWire's own statement names.
    /// </summary>
    internal static bool IsStaleStatement(PgWireServerException error) =>
        (error.SqlState == SqlStates.FeatureNotSupported && error.Routine == "RevalidateCachedQuery")
        || (error.SqlState == SqlStates.InvalidSqlStatementName && error.MessageText.Contains(DescriptionCache.NamePrefix, StringComparison.Ordinal));

    /// <summary>The exception for a server error, turned into cancellation or timeout when we asked for it.</summary>
    internal static Exception Fail(PgConnector connector, PgWireServerException error, CancellationToken cancellationToken)
    {
        if (error.SqlState == SqlStates.QueryCanceled && connector.Cancellation.Reason != CancelReason.None) return CancellationOutcome(connector, error, cancellationToken);
        if (IsStaleStatement(error)) connector.Descriptions.Clear();
        return error;
    }

    /// <summary>
    /// The exception for a request that failed after it was cancelled: cancellation or timeout, saying what the server
    /// did: cancelled the statement (57014), never answered the cancellation (the connection was closed), or lost the
    /// connection.
    /// </summary>
    internal static Exception CancellationOutcome(PgConnector connector, Exception cause, CancellationToken cancellationToken)
    {
        var grace = connector.Options.CancellationGrace.TotalSeconds;
        var what = cause is PgWireServerException { SqlState: SqlStates.QueryCanceled } ? "the statement was cancelled on the server"
            : connector.Cancellation.GraceExpired
                ? $"the server did not answer the cancellation within {grace:0.###} s (Cancellation Timeout), so the connection was closed; the statement's outcome is unknown"
                : $"then the connection failed ({cause.Message}); the statement's outcome is unknown";
        var telemetry = connector.Options.Telemetry;
        if (connector.Cancellation.Reason == CancelReason.Caller)
            Diagnostics.Log.CommandCancelled(telemetry.CommandLog, connector.Options.Host, connector.Options.Port, connector.ProcessId, what);
        else
            Diagnostics.Log.CommandTimedOut(
                telemetry.CommandLog, connector.Options.Host, connector.Options.Port, connector.ProcessId, connector.Cancellation.CommandTimeout.TotalSeconds, what);
        return connector.Cancellation.Reason == CancelReason.Caller
            ? new OperationCanceledException($"The query was cancelled at the caller's request: {what}.", cause, cancellationToken)
            : new TimeoutException(
                $"The command timed out after {connector.Cancellation.CommandTimeout.TotalSeconds:0.###} s (Command Timeout): {what}.",
                cause);
    }

    private static void ReleaseRows(RowBuffer? rows)
    {
        if (rows is not null) RowBufferPool.Return(rows);
    }
}

using System.Buffers;
using PgWire.Buffers;
using PgWire.Protocol;
using PgWire.Types;

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
    public static async ValueTask<QueryResult> ExecuteAsync(
        PgConnector connector, string sql, IReadOnlyList<object?> parameters, bool collectRows, CancellationToken cancellationToken)
    {
        try
        {
            return await ExecuteOnceAsync(connector, sql, parameters, collectRows, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState is "0A000" or "26000" && connector.TransactionStatus == TransactionStatus.Idle && !connector.IsBroken)
        {
            // The prepared statement went stale (its result type changed, or it was deallocated behind our back).
            // The cache was cleared by Fail; outside a transaction nothing was done, so prepare afresh once.
            return await ExecuteOnceAsync(connector, sql, parameters, collectRows, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async ValueTask<QueryResult> ExecuteOnceAsync(
        PgConnector connector, string sql, IReadOnlyList<object?> parameters, bool collectRows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sql);
        cancellationToken.ThrowIfCancellationRequested();
        var count = parameters.Count;
        var types = ArrayPool<uint>.Shared.Rent(Math.Max(count, 1));
        var codecs = ArrayPool<PgCodec?>.Shared.Rent(Math.Max(count, 1));
        try
        {
            // Everything that can be wrong with the parameters is found before a byte is sent.
            for (var i = 0; i < count; i++)
            {
                var value = parameters[i];
                if (value is null or DBNull)
                {
                    types[i] = PgTypeOids.Unspecified;
                    codecs[i] = null;
                }
                else if (PgTypeRegistry.TryInferParameter(value, out var oid, out var codec))
                {
                    types[i] = oid;
                    codecs[i] = codec;
                }
                else
                {
                    throw new ArgumentException(
                        $"Parameter ${i + 1} has CLR type {value.GetType()}, which PgWire cannot send. Supported: bool, short, int, long, float, double, decimal, string, char, byte[], Guid, DateOnly, DateTime, DateTimeOffset, or null/DBNull.",
                        nameof(parameters));
                }
            }

            var handler = connector.QueryHandler;
            var statement = connector.Descriptions.Find(sql);
            using var scope = connector.BeginCancellableRequest(cancellationToken);
            try
            {
                var parsed = false;
                connector.Descriptions.WritePendingCloses(connector.Output);
                if (statement is null || !statement.Matches(types.AsSpan(0, count)))
                {
                    // First sight of this text in this session: prepare it and learn its columns, so Bind can ask
                    // for the right formats and later runs skip parsing and planning.
                    var name = connector.Descriptions.NextName();
                    FrontendMessages.WriteParse(connector.Output, name, sql, types.AsSpan(0, count));
                    FrontendMessages.WriteDescribe(connector.Output, portal: false, name);
                    FrontendMessages.WriteSync(connector.Output);
                    await connector.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                    handler.Reset(null, collectRows: false);
                    await connector.ReceiveAsync(handler).ConfigureAwait(false);
                    if (handler.Error is not null) throw Fail(connector, handler.Error, cancellationToken);
                    var formats = ResultFormats(handler.Description);
                    statement = new StatementDescription(
                        name,
                        types.AsSpan(0, count).ToArray(),
                        handler.ParameterTypes ?? [],
                        formats,
                        name.Length > 0 ? handler.Description?.WithFormats(formats, connector.TypeRegistry) : null);
                    connector.Descriptions.Add(sql, statement);
                    parsed = true;
                }

                if (!parsed && statement.Name.Length == 0) FrontendMessages.WriteParse(connector.Output, "", sql, types.AsSpan(0, count));
                WriteBind(connector.Output, statement.Name, parameters, codecs.AsSpan(0, count), statement.ResultFormats);
                // A named statement's columns cannot change under it (the server fails it with 0A000 instead), so its
                // description is known; the unnamed statement is described every time.
                var knownRow = statement.Row;
                if (knownRow is null) FrontendMessages.WriteDescribe(connector.Output, portal: true, "");
                FrontendMessages.WriteExecute(connector.Output, "", 0);
                FrontendMessages.WriteSync(connector.Output);
                await connector.FlushAsync(CancellationToken.None).ConfigureAwait(false);

                handler.Reset(statement, collectRows, knownRow);
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
                CheckLateCancel(connector);
                return new QueryResult(handler.Description, handler.TakeRows(), handler.RowsAffected);
            }
            catch (PgWireException e) when (e is not PostgresException && connector.CancelState != 0)
            {
                throw CancellationOutcome(connector, e, cancellationToken);
            }
            finally
            {
                connector.Output.Clear();
            }
        }
        finally
        {
            Array.Clear(codecs, 0, count);
            ArrayPool<PgCodec?>.Shared.Return(codecs);
            ArrayPool<uint>.Shared.Return(types);
        }
    }

    /// <summary>Runs a script (one or more statements, no parameters) over the simple protocol; returns rows affected in total.</summary>
    public static async ValueTask<long> ExecuteScriptAsync(PgConnector connector, string sql, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sql);
        cancellationToken.ThrowIfCancellationRequested();
        var handler = connector.QueryHandler;
        FrontendMessages.WriteQuery(connector.Output, sql);
        using var scope = connector.BeginCancellableRequest(cancellationToken);
        try
        {
            await connector.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            handler.Reset(null, collectRows: false);
            await connector.ReceiveAsync(handler).ConfigureAwait(false);
            if (handler.Error is not null) throw Fail(connector, handler.Error, cancellationToken);
            // A script that changes the schema or deallocates statements may make cached statements stale: forget
            // them (a stale one would also be caught by its 0A000/26000 and prepared again outside a transaction).
            if (MayInvalidateStatements(sql)) connector.Descriptions.Clear();
            CheckLateCancel(connector);
            return handler.RowsAffected;
        }
        catch (PgWireException e) when (e is not PostgresException && connector.CancelState != 0)
        {
            throw CancellationOutcome(connector, e, cancellationToken);
        }
        finally
        {
            connector.Output.Clear();
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

    /// <summary>Bind for the unnamed portal: every parameter binary, results as the statement learnt.</summary>
    private static void WriteBind(MessageBuffer output, string statementName, IReadOnlyList<object?> parameters, ReadOnlySpan<PgCodec?> codecs, FormatCode[] resultFormats)
    {
        var at = FrontendMessages.StartBind(output, "", statementName, parameters.Count);
        for (var i = 0; i < codecs.Length; i++)
        {
            var codec = codecs[i];
            if (codec is null)
            {
                FrontendMessages.WriteBindNull(output);
                continue;
            }
            var lengthAt = FrontendMessages.BeginBindValue(output);
            if (!codec.TryWriteObject(parameters[i]!, output))
                throw new System.Diagnostics.UnreachableException($"BUG: the codec inferred for parameter ${i + 1} refused its value.");
            FrontendMessages.EndBindValue(output, lengthAt);
        }
        FrontendMessages.EndBind(output, at, resultFormats);
    }

    private static FormatCode[] ResultFormats(RowDescriptionInfo? description)
    {
        if (description is null) return [];
        var formats = new FormatCode[description.Count];
        for (var i = 0; i < formats.Length; i++)
            formats[i] = description.Types[i].BinaryCodec is not null ? FormatCode.Binary : FormatCode.Text;
        return formats;
    }

    /// <summary>The exception for a server error, turned into cancellation or timeout when we asked for it.</summary>
    private static Exception Fail(PgConnector connector, PostgresException error, CancellationToken cancellationToken)
    {
        if (error.SqlState == "57014" && connector.CancelState != 0) return CancellationOutcome(connector, error, cancellationToken);
        if (error.SqlState is "26000" or "0A000") connector.Descriptions.Clear();
        return error;
    }

    private static Exception CancellationOutcome(PgConnector connector, Exception cause, CancellationToken cancellationToken) =>
        connector.CancelState == 1
            ? new OperationCanceledException("The query was cancelled at the caller's request.", cause, cancellationToken)
            : new TimeoutException(
                $"The command timed out after {connector.Options.CommandTimeout.TotalSeconds:0.###} s (Command Timeout) and was cancelled on the server.",
                cause);

    /// <summary>
    /// A cancel request that lost the race with the statement's end may still reach the server and cancel a later
    /// statement of this session: such a session is not reused.
    /// </summary>
    private static void CheckLateCancel(PgConnector connector)
    {
        if (connector.CancelState != 0) connector.Break(null);
    }

    private static void ReleaseRows(RowBuffer? rows)
    {
        if (rows is not null) RowBufferPool.Return(rows);
    }
}

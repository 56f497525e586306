using System.Buffers;
using System.Runtime.CompilerServices;
using PgWire.Protocol;
using PgWire.Diagnostics;
using PgWire.Types;

namespace PgWire.Connection;

/// <summary>What <see cref="StatementSender.SendAsync"/> sent: the statement, and its result's description when known.</summary>
internal readonly record struct SentStatement(StatementDescription Statement, RowDescriptionInfo? KnownRow);

/// <summary>
/// Sends statements over the extended protocol: one statement, or a batch's, each looked up in the session's
/// description cache and prepared first when new (<see cref="StatementPreparer"/>, one round trip), then Bind
/// (<see cref="ParameterBinder"/>: parameters in binary, results in binary where a codec exists), Execute and Sync.
/// The response is left for the caller to read.
/// </summary>
internal static class StatementSender
{
    /// <param name="connector">The session.</param>
    /// <param name="sql">The statement text.</param>
    /// <param name="parameters">The parameter values.</param>
    /// <param name="flushAfterBind">Put a Flush after Bind, so the server sends BindComplete at once instead of with
    /// its first full buffer of rows (a streaming read waits for it).</param>
    /// <param name="cancellationToken">The caller's token.</param>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<SentStatement> SendAsync(
        PgConnector connector, string sql, IReadOnlyList<object?> parameters, bool flushAfterBind, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sql);
        cancellationToken.ThrowIfCancellationRequested();
        var count = parameters.Count;
        var types = ArrayPool<uint>.Shared.Rent(Math.Max(count, 1));
        var codecs = ArrayPool<PgCodec?>.Shared.Rent(Math.Max(count, 1));
        try
        {
            await StatementPreparer.InferAsync(connector, parameters, types, codecs, cancellationToken).ConfigureAwait(false);
            var cache = connector.Descriptions;
            var statement = cache.Use(sql, out var uses);
            var parsed = false;
            // Unknown text (or new parameter types): learn its description, as a named statement once it has been
            // used often enough. A text run unnamed so far is prepared when it reaches that count.
            if (statement is null || statement.IsStale || !statement.Matches(types.AsSpan(0, count)) || (statement.Name.Length == 0 && cache.ShouldPrepare(sql, uses)))
            {
                cache.WritePendingCloses(connector.Output);
                statement = await StatementPreparer.PrepareAsync(connector, sql, types.AsSpan(0, count).ToArray(), cache.ShouldPrepare(sql, uses), cancellationToken).ConfigureAwait(false);
                parsed = true;
                connector.Cancellation.ThrowIfRequested();
            }
            // Before anything of this request is written: a value the server's parameter type cannot take fails here.
            ParameterBinder.ResolveServerTyped(connector.TypeRegistry, statement.ServerParameterTypes, parameters, codecs.AsSpan(0, count));
            if (!parsed) cache.WritePendingCloses(connector.Output);
            if (Instruments.StatementCacheHits.Enabled || Instruments.StatementCacheMisses.Enabled)
                CountCacheUse(connector, hits: parsed || statement.Name.Length == 0 ? 0 : 1, misses: parsed || statement.Name.Length == 0 ? 1 : 0);

            WriteExecution(connector.Output, statement, sql, types.AsSpan(0, count), parameters, codecs.AsSpan(0, count), flushAfterBind, sync: true);
            await connector.Writer.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            return new SentStatement(statement, statement.Row);
        }
        finally
        {
            Array.Clear(codecs, 0, count);
            ArrayPool<PgCodec?>.Shared.Return(codecs);
            ArrayPool<uint>.Shared.Return(types);
        }
    }

    /// <summary>A batch's statements with their parameter types and codecs, ready to be written.</summary>
    internal readonly record struct PreparedBatch(StatementDescription[] Statements, uint[][] Types, PgCodec?[][] Codecs);

    /// <summary>
    /// Infers every statement's parameter types and prepares (or learns) the statements this session has not seen,
    /// in one round trip; checks every value against the type the server chose for it. Nothing of the batch itself is
    /// written yet.
    /// </summary>
    public static async ValueTask<PreparedBatch> PrepareBatchAsync(
        PgConnector connector, IReadOnlyList<(string Sql, object?[] Values)> batch, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var count = batch.Count;
        var types = new uint[count][];
        var codecs = new PgCodec?[count][];
        var statements = new StatementDescription?[count];
        var named = new bool[count];
        var unknown = new List<int>();
        var cache = connector.Descriptions;
        uint[] typeScratch = [];
        PgCodec?[] codecScratch = [];
        StatementDescription? lastCached = null;
        var lastUses = 0;
        for (var i = 0; i < count; i++)
        {
            var values = batch[i].Values;
            var n = values.Length;
            if (typeScratch.Length < n)
            {
                typeScratch = new uint[n];
                codecScratch = new PgCodec?[n];
            }
            // The common case without an await; a type the catalog lacks reloads it (StatementPreparer.InferAsync).
            if (ParameterBinder.Infer(connector.TypeRegistry, values, typeScratch, codecScratch) >= 0)
                await StatementPreparer.InferAsync(connector, values, typeScratch, codecScratch, cancellationToken).ConfigureAwait(false);
            // A batch usually repeats one statement with values of the same types: share the previous statement's
            // arrays (only read from here on; not when the server types a parameter, whose codec is set per statement).
            if (i > 0 && typeScratch.AsSpan(0, n).SequenceEqual(types[i - 1]) && codecScratch.AsSpan(0, n).SequenceEqual(codecs[i - 1])
                && Array.IndexOf(codecScratch, ServerTypedCodec.Instance, 0, n) < 0)
            {
                types[i] = types[i - 1];
                codecs[i] = codecs[i - 1];
            }
            else
            {
                types[i] = n == 0 ? [] : typeScratch.AsSpan(0, n).ToArray();
                codecs[i] = n == 0 ? [] : codecScratch.AsSpan(0, n).ToArray();
            }
            Array.Clear(codecScratch, 0, n);
            // Each occurrence counts as a use: a batch repeating a text prepares it as a named statement. A run of
            // the same text (a pipeline of one statement) looks it up once.
            StatementDescription? cached;
            if (i > 0 && ReferenceEquals(batch[i].Sql, batch[i - 1].Sql))
            {
                cached = lastCached;
                lastUses++;
            }
            else
            {
                cached = lastCached = cache.Use(batch[i].Sql, out lastUses);
            }
            var uses = lastUses;
            named[i] = cache.ShouldPrepare(batch[i].Sql, uses);
            if (cached is not null && !cached.IsStale && cached.Matches(types[i]) && !(cached.Name.Length == 0 && named[i])) statements[i] = cached;
            else unknown.Add(i);
        }

        cache.WritePendingCloses(connector.Output);
        if (unknown.Count > 0)
        {
            await StatementPreparer.PrepareManyAsync(connector, batch, types, named, unknown, statements, cancellationToken).ConfigureAwait(false);
            connector.Cancellation.ThrowIfRequested();
        }
        for (var i = 0; i < count; i++) ParameterBinder.ResolveServerTyped(connector.TypeRegistry, statements[i]!.ServerParameterTypes, batch[i].Values, codecs[i]);
        if (Instruments.StatementCacheHits.Enabled || Instruments.StatementCacheMisses.Enabled)
        {
            var hits = 0;
            for (var i = 0; i < count; i++)
                if (statements[i]!.Name.Length > 0 && unknown.BinarySearch(i) < 0) hits++; // unknown is in statement order
            CountCacheUse(connector, hits, count - hits);
        }
        return new PreparedBatch(statements!, types, codecs);
    }

    /// <summary>Statements run as named statements prepared earlier (hits) and statements the server parsed (misses).</summary>
    private static void CountCacheUse(PgConnector connector, int hits, int misses)
    {
        var tags = connector.Options.Telemetry.PoolTags(null);
        if (hits > 0) Instruments.StatementCacheHits.Add(hits, tags);
        if (misses > 0) Instruments.StatementCacheMisses.Add(misses, tags);
    }

    /// <summary>Per statement of a prepared batch, its result's description when known without a RowDescription.</summary>
    public static RowDescriptionInfo?[] KnownDescriptions(PreparedBatch prepared)
    {
        var known = new RowDescriptionInfo?[prepared.Statements.Length];
        for (var i = 0; i < known.Length; i++) known[i] = prepared.Statements[i].Row;
        return known;
    }

    /// <summary>
    /// Writes statements from <paramref name="start"/> on until the output holds at least <paramref name="byteBudget"/>
    /// bytes; returns the index of the next statement to write. With <paramref name="syncEach"/> every statement gets a
    /// Sync of its own (its own implicit transaction), else one Sync follows the last.
    /// </summary>
    public static int WriteBatchRange(
        PgConnector connector, IReadOnlyList<(string Sql, object?[] Values)> batch, PreparedBatch prepared, bool syncEach, int start, int byteBudget)
    {
        var output = connector.Output;
        var i = start;
        for (; i < batch.Count && output.WrittenCount < byteBudget; i++)
        {
            WriteExecution(output, prepared.Statements[i], batch[i].Sql, prepared.Types[i], batch[i].Values, prepared.Codecs[i], flushAfterBind: false, syncEach);
        }
        if (i == batch.Count && !syncEach) FrontendMessages.WriteSync(output);
        return i;
    }

    /// <summary>Bytes written before each flush of a pipeline: the server starts on the first queries while later ones are written.</summary>
    private const int PipelineChunkBytes = 16 * 1024;

    /// <summary>
    /// Sends a prepared batch (a pipeline) in chunks, so the server works on the first queries while the client writes the next. When
    /// the socket stops taking bytes (the server is busy answering), the rest is written by a continuation, while
    /// the caller reads the answers: the returned task completes when everything was sent.
    /// </summary>
    public static ValueTask SendBatch(PgConnector connector, IReadOnlyList<(string Sql, object?[] Values)> queries, PreparedBatch prepared, bool syncEach)
    {
        var next = 0;
        while (true)
        {
            next = WriteBatchRange(connector, queries, prepared, syncEach, next, PipelineChunkBytes);
            var flush = connector.Writer.FlushAsync(CancellationToken.None);
            if (next == queries.Count) return flush;
            if (!flush.IsCompletedSuccessfully)
            {
                // The rest is written after the caller got control back (a reader may already be in its hands): take
                // the values the caller still holds now, so changing a typed parameter cannot change what is sent.
                SnapshotValues(queries, next);
                return SendRestAsync(flush, connector, queries, prepared, syncEach, next);
            }
            flush.GetAwaiter().GetResult();
        }
    }

    /// <summary>Boxes the values of queries from <paramref name="from"/> on that are read only when written (<see cref="IUnboxedValue"/>).</summary>
    private static void SnapshotValues(IReadOnlyList<(string Sql, object?[] Values)> queries, int from)
    {
        for (var q = from; q < queries.Count; q++)
        {
            var values = queries[q].Values;
            for (var i = 0; i < values.Length; i++)
                if (values[i] is IUnboxedValue unboxed) values[i] = unboxed.Box();
        }
    }

    private static async ValueTask SendRestAsync(
        ValueTask pending, PgConnector connector, IReadOnlyList<(string Sql, object?[] Values)> queries, PreparedBatch prepared, bool syncEach, int next)
    {
        await pending.ConfigureAwait(false);
        while (next < queries.Count)
        {
            next = WriteBatchRange(connector, queries, prepared, syncEach, next, PipelineChunkBytes);
            // Not FlushAsync: that waits for the connector's pending send, which may be this very task.
            connector.Writer.MoveToPipe();
            await connector.Writer.FlushPipeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Writes one execution of a known statement: [Parse] Bind [Describe portal] [Flush] Execute [Sync]. The unnamed
    /// statement is parsed again in the same Sync block as its Bind, even right after it was described (behind a
    /// transaction-mode pooler the next block may reach another server connection), and its result is described every
    /// time; a named statement's columns cannot change under it (the server fails it with 0A000 instead), so its
    /// description is known. With <paramref name="flushAfterBind"/> the server sends BindComplete at once instead of
    /// with its first full buffer of rows (a streaming read waits for it).
    /// </summary>
    public static void WriteExecution(
        MessageBuffer output, StatementDescription statement, string sql, ReadOnlySpan<uint> types, IReadOnlyList<object?> parameters,
        ReadOnlySpan<PgCodec?> codecs, bool flushAfterBind, bool sync)
    {
        if (statement.Name.Length == 0) FrontendMessages.WriteParse(output, "", sql, types);
        ParameterBinder.WriteBind(output, statement.Name, parameters, codecs, statement.ResultFormats);
        if (statement.Row is null) FrontendMessages.WriteDescribe(output, portal: true, "");
        if (flushAfterBind) FrontendMessages.WriteFlush(output);
        FrontendMessages.WriteExecute(output, "", 0);
        if (sync) FrontendMessages.WriteSync(output);
    }
}

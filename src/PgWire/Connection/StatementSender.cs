using System.Buffers;
using System.Runtime.CompilerServices;
using PgWire.Protocol;
using PgWire.Types;

namespace PgWire.Connection;

/// <summary>What <see cref="StatementSender.SendAsync"/> sent: the statement, and its result's description when known.</summary>
internal readonly record struct SentStatement(StatementDescription Statement, RowDescriptionInfo? KnownRow);

/// <summary>
/// Sends one statement with positional parameters over the extended protocol: prepares it first when this session
/// has not seen its text (Parse/Describe/Sync, one round trip), then Bind (parameters in binary, results in binary where
/// a codec exists), Execute and Sync. The response is left for the caller to read.
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
            await InferParametersAsync(connector, parameters, types, codecs, cancellationToken).ConfigureAwait(false);
            var cache = connector.Descriptions;
            var statement = cache.Use(sql, out var uses);
            var parsed = false;
            // Unknown text (or new parameter types): learn its description, as a named statement once it has been
            // used often enough. A text run unnamed so far is prepared when it reaches that count.
            if (statement is null || statement.IsStale || !statement.Matches(types.AsSpan(0, count)) || (statement.Name.Length == 0 && cache.ShouldPrepare(sql, uses)))
            {
                cache.WritePendingCloses(connector.Output);
                statement = await PrepareAsync(connector, sql, types.AsSpan(0, count).ToArray(), cache.ShouldPrepare(sql, uses), cancellationToken).ConfigureAwait(false);
                parsed = true;
                connector.ThrowIfCancelRequested();
            }
            // Before anything of this request is written: a value the server's parameter type cannot take fails here.
            ResolveServerTyped(connector.TypeRegistry, statement, parameters, codecs.AsSpan(0, count));
            if (!parsed) cache.WritePendingCloses(connector.Output);

            // The unnamed statement is parsed again in the same Sync block as its Bind, even right after it was
            // described: behind a transaction-mode pooler the next block may reach another server connection.
            if (statement.Name.Length == 0) FrontendMessages.WriteParse(connector.Output, "", sql, types.AsSpan(0, count));
            WriteBind(connector.Output, statement.Name, parameters, codecs.AsSpan(0, count), statement.ResultFormats);
            // A named statement's columns cannot change under it (the server fails it with 0A000 instead), so its
            // description is known; the unnamed statement is described every time.
            var knownRow = statement.Row;
            if (knownRow is null) FrontendMessages.WriteDescribe(connector.Output, portal: true, "");
            if (flushAfterBind) FrontendMessages.WriteFlush(connector.Output);
            FrontendMessages.WriteExecute(connector.Output, "", 0);
            FrontendMessages.WriteSync(connector.Output);
            await connector.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            return new SentStatement(statement, knownRow);
        }
        finally
        {
            Array.Clear(codecs, 0, count);
            ArrayPool<PgCodec?>.Shared.Return(codecs);
            ArrayPool<uint>.Shared.Return(types);
        }
    }

    /// <summary>
    /// Prepares statements as named server statements now (explicit preparation), in one round trip for those this
    /// session does not have yet; with Max Auto Prepare 0 their descriptions are learnt instead.
    /// </summary>
    public static async ValueTask PrepareNowAsync(
        PgConnector connector, IReadOnlyList<(string Sql, object?[] Values)> statements, CancellationToken cancellationToken)
    {
        var cache = connector.Descriptions;
        var missing = new List<(string, object?[])>();
        var missingTypes = new List<uint[]>();
        foreach (var (sql, values) in statements)
        {
            var types = new uint[values.Length];
            await InferParametersAsync(connector, values, types, new PgCodec?[values.Length], cancellationToken).ConfigureAwait(false);
            var known = cache.Find(sql);
            if (known is not null && !known.IsStale && known.Matches(types) && (known.Name.Length > 0 || !cache.Enabled)) continue;
            missing.Add((sql, values));
            missingTypes.Add(types);
        }
        if (missing.Count == 0) return;
        var named = new bool[missing.Count];
        Array.Fill(named, cache.Enabled);
        cache.WritePendingCloses(connector.Output);
        await PrepareManyAsync(connector, missing, [.. missingTypes], named, [.. Enumerable.Range(0, missing.Count)],
            new StatementDescription?[missing.Count], cancellationToken).ConfigureAwait(false);
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
            // The common case without an await; a type the catalog lacks reloads it (InferParametersAsync).
            if (InferParameters(connector.TypeRegistry, values, typeScratch, codecScratch) >= 0)
                await InferParametersAsync(connector, values, typeScratch, codecScratch, cancellationToken).ConfigureAwait(false);
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
            await PrepareManyAsync(connector, batch, types, named, unknown, statements, cancellationToken).ConfigureAwait(false);
            connector.ThrowIfCancelRequested();
        }
        for (var i = 0; i < count; i++) ResolveServerTyped(connector.TypeRegistry, statements[i]!, batch[i].Values, codecs[i]);
        return new PreparedBatch(statements!, types, codecs);
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
            var statement = prepared.Statements[i];
            if (statement.Name.Length == 0) FrontendMessages.WriteParse(output, "", batch[i].Sql, prepared.Types[i]);
            WriteBind(output, statement.Name, batch[i].Values, prepared.Codecs[i], statement.ResultFormats);
            if (statement.Row is null) FrontendMessages.WriteDescribe(output, portal: true, "");
            FrontendMessages.WriteExecute(output, "", 0);
            if (syncEach) FrontendMessages.WriteSync(output);
        }
        if (i == batch.Count && !syncEach) FrontendMessages.WriteSync(output);
        return i;
    }

    /// <summary>
    /// Describes statements without running them (CommandBehavior.SchemaOnly): Parse and Describe each as the unnamed
    /// statement, one Sync. Returns per statement its result's description (null for a statement without one), in the
    /// formats an execution would use.
    /// </summary>
    public static async ValueTask<RowDescriptionInfo?[]> DescribeOnlyAsync(
        PgConnector connector, IReadOnlyList<(string Sql, object?[] Values)> batch, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // Every statement's types first: inference may reload the type catalog, which needs an empty output buffer.
        var types = new uint[batch.Count][];
        for (var i = 0; i < batch.Count; i++)
        {
            types[i] = new uint[batch[i].Values.Length];
            await InferParametersAsync(connector, batch[i].Values, types[i], new PgCodec?[types[i].Length], cancellationToken).ConfigureAwait(false);
        }
        for (var i = 0; i < batch.Count; i++)
        {
            FrontendMessages.WriteParse(connector.Output, "", batch[i].Sql, types[i]);
            FrontendMessages.WriteDescribe(connector.Output, portal: false, "");
        }
        FrontendMessages.WriteSync(connector.Output);
        await connector.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        var handler = connector.DescribeHandler;
        handler.Reset(batch.Count);
        await connector.ReceiveAsync(handler).ConfigureAwait(false);
        if (handler.Error is not null)
        {
            handler.Error.StatementIndex = handler.FailedIndex;
            throw QueryRunner.Fail(connector, handler.Error, cancellationToken);
        }
        var reloaded = await TypeCatalogLoader.ReloadIfStaleAsync(connector, cancellationToken).ConfigureAwait(false);
        var result = new RowDescriptionInfo?[batch.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var description = handler.Described[i].Description;
            if (description is null) continue;
            if (reloaded) description = description.WithCurrentTypes(connector.TypeRegistry);
            result[i] = description.WithFormats(ResultFormats(description), connector.TypeRegistry);
        }
        return result;
    }

    /// <summary>Prepares every statement of a batch this session has not seen, in one round trip.</summary>
    private static async ValueTask PrepareManyAsync(
        PgConnector connector, IReadOnlyList<(string Sql, object?[] Values)> batch, uint[][] types, bool[] wantNamed, List<int> unknown,
        StatementDescription?[] statements, CancellationToken cancellationToken)
    {
        // The same text with the same parameter types is prepared once, even when the batch repeats it (a batch of a
        // thousand identical INSERTs prepares one statement): representative[i] is the first statement like i.
        var distinct = new List<int>();
        var names = new string[batch.Count];
        var representative = new int[batch.Count];
        var bySql = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var namedGroup = new bool[batch.Count];
        foreach (var i in unknown)
        {
            if (!bySql.TryGetValue(batch[i].Sql, out var sameText)) bySql[batch[i].Sql] = sameText = [];
            var twin = sameText.FindIndex(d => types[d].AsSpan().SequenceEqual(types[i]));
            if (twin >= 0)
            {
                representative[i] = sameText[twin];
                namedGroup[sameText[twin]] |= wantNamed[i];
                continue;
            }
            sameText.Add(i);
            representative[i] = i;
            namedGroup[i] = wantNamed[i];
            distinct.Add(i);
        }
        foreach (var i in distinct)
        {
            names[i] = namedGroup[i] ? connector.Descriptions.NextName() : "";
            FrontendMessages.WriteParse(connector.Output, names[i], batch[i].Sql, types[i]);
            FrontendMessages.WriteDescribe(connector.Output, portal: false, names[i]);
        }
        FrontendMessages.WriteSync(connector.Output);
        await connector.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        var handler = connector.DescribeHandler;
        handler.Reset(distinct.Count);
        await connector.ReceiveAsync(handler).ConfigureAwait(false);
        if (handler.Error is not null)
        {
            var failed = handler.FailedIndex < distinct.Count ? distinct[handler.FailedIndex] : -1;
            handler.Error.StatementIndex = failed;
            handler.Error.BeforeExecution = true;
            throw QueryRunner.Fail(connector, handler.Error, cancellationToken);
        }
        if (handler.Described.Count != distinct.Count)
            throw connector.Break(new PgWireProtocolException($"The server described {handler.Described.Count} statements; {distinct.Count} were sent."));
        var reloaded = await TypeCatalogLoader.ReloadIfStaleAsync(connector, cancellationToken).ConfigureAwait(false);
        for (var d = 0; d < distinct.Count; d++)
        {
            var i = distinct[d];
            var (parameterTypes, description) = handler.Described[d];
            if (reloaded) description = description?.WithCurrentTypes(connector.TypeRegistry);
            var formats = ResultFormats(description);
            var statement = new StatementDescription(names[i], types[i], parameterTypes, formats,
                names[i].Length > 0 ? description?.WithFormats(formats, connector.TypeRegistry) : null);
            connector.Descriptions.Add(batch[i].Sql, statement);
            statements[i] = statement;
        }
        foreach (var i in unknown) statements[i] ??= statements[representative[i]];
    }

    /// <summary>
    /// Every parameter's type and codec, inferred from its CLR value, before a byte is sent. A type named by the caller
    /// or mapped to a CLR type that the catalog does not have (created since it was loaded) reloads the catalog once.
    /// </summary>
    private static async ValueTask InferParametersAsync(
        PgConnector connector, IReadOnlyList<object?> parameters, uint[] types, PgCodec?[] codecs, CancellationToken cancellationToken)
    {
        var missing = InferParameters(connector.TypeRegistry, parameters, types, codecs);
        if (missing < 0) return;
        await TypeCatalogLoader.LoadAsync(connector, cancellationToken).ConfigureAwait(false);
        missing = InferParameters(connector.TypeRegistry, parameters, types, codecs);
        if (missing < 0) return;
        var value = parameters[missing]!;
        throw new ArgumentException(value is TypedValue typed
            ? $"Parameter ${missing + 1} names PostgreSQL type '{typed.TypeName}', which the database does not have."
            : $"Parameter ${missing + 1} is a {value.GetType()}, mapped to a PostgreSQL type the database does not have ({connector.TypeRegistry.InferMappedName(value)}).",
            nameof(parameters));
    }

    /// <summary>Fills in every parameter's type and codec; returns the index of the first whose type the catalog lacks, or -1.</summary>
    internal static int InferParameters(PgTypeRegistry registry, IReadOnlyList<object?> parameters, uint[] types, PgCodec?[] codecs)
    {
        for (var i = 0; i < parameters.Count; i++)
        {
            var value = parameters[i];
            if (value is null or DBNull)
            {
                types[i] = PgTypeOids.Unspecified;
                codecs[i] = null;
            }
            else if (value is IUnboxedValue unboxed)
            {
                types[i] = unboxed.Oid;
                codecs[i] = unboxed.Codec;
            }
            else if (value is TypedValue typed)
            {
                if (typed.Codec is not null)
                {
                    types[i] = typed.Oid;
                    codecs[i] = typed.Codec;
                }
                else if (!TryNamedType(registry, typed, i, out types[i], out codecs[i]))
                {
                    return i;
                }
            }
            else if (PgTypeRegistry.TryInferParameter(value, out var oid, out var codec))
            {
                types[i] = oid;
                codecs[i] = codec;
            }
            else if (registry.InferMapped(value, out var missing) is { } mapped)
            {
                (types[i], codecs[i]) = mapped;
            }
            else if (missing is not null)
            {
                return i;
            }
            else if (ServerTypedCodec.CanDefer(value))
            {
                types[i] = PgTypeOids.Unspecified;
                codecs[i] = ServerTypedCodec.Instance;
            }
            else
            {
                throw new NotSupportedException(
                    $"Parameter ${i + 1} has CLR type {value.GetType()}, which PgWire cannot send. Supported: bool, short, int, long, uint, float, double, decimal, string, char, byte[], Guid, DateOnly, DateTime, DateTimeOffset, TimeOnly, TimeSpan, PgDate, PgTimestamp, PgInterval, IPAddress, IPNetwork, PgInet, PhysicalAddress, Stream, BitArray, PgRange<T>, enums, objects for composite types, arrays and lists of these, or null/DBNull (README: Types).");
            }
        }
        return -1;
    }

    /// <summary>A value whose type was named but is not built in: "unknown" (the server decides), or a type of the catalog.</summary>
    private static bool TryNamedType(PgTypeRegistry registry, TypedValue typed, int index, out uint oid, out PgCodec? codec)
    {
        if (string.Equals(typed.TypeName, "unknown", StringComparison.OrdinalIgnoreCase))
        {
            oid = PgTypeOids.Unspecified;
            codec = ServerTypedCodec.Instance;
            return true;
        }
        if (!registry.TryFindInCatalog(typed.TypeName!, out oid, out codec)) return false;
        if (codec is not null && codec.CanWrite(typed.Value)) return true;
        // A type without a binary codec (an extension's, a user-defined range...) takes a string in its text form.
        if (typed.Value is string)
        {
            codec = TextFormatCodec.Instance;
            return true;
        }
        throw new InvalidCastException(codec is null
            ? $"Parameter ${index + 1} names PostgreSQL type '{typed.TypeName}', which PgWire has no binary form for; give its value as a string in the type's text form."
            : $"Parameter ${index + 1} holds a {typed.Value.GetType()}, which cannot be sent as PostgreSQL type '{typed.TypeName}'.");
    }

    /// <summary>
    /// Parameters left for the server to type (<see cref="ServerTypedCodec"/>): now that the statement is described,
    /// each gets the codec of the type the server chose, or text format for a string or enum label it has no binary
    /// form for. A value that type cannot take is an exception here, before the request is written.
    /// </summary>
    internal static void ResolveServerTyped(PgTypeRegistry registry, StatementDescription statement, IReadOnlyList<object?> parameters, Span<PgCodec?> codecs)
    {
        for (var i = 0; i < codecs.Length; i++)
        {
            if (!ReferenceEquals(codecs[i], ServerTypedCodec.Instance)) continue;
            var value = parameters[i] is TypedValue typed ? typed.Value : parameters[i]!;
            var serverOid = i < statement.ServerParameterTypes.Length ? statement.ServerParameterTypes[i] : PgTypeOids.Unspecified;
            var type = registry.Resolve(serverOid);
            if (type.BinaryCodec is { } codec && codec.CanWrite(value)) codecs[i] = codec;
            else if (TextFormatCodec.Instance.CanWrite(value)) codecs[i] = TextFormatCodec.Instance;
            else
                throw new ArgumentException(
                    $"Parameter ${i + 1} is a {value.GetType()}, but the statement takes it as '{type.Name}', which PgWire cannot write from a {value.GetType().Name}.",
                    nameof(parameters));
        }
    }

    /// <summary>
    /// First sight of this text in this session: prepare it and learn its columns, so Bind can ask for the right
    /// formats and later runs skip parsing and planning.
    /// </summary>
    private static async ValueTask<StatementDescription> PrepareAsync(
        PgConnector connector, string sql, uint[] parameterTypes, bool named, CancellationToken cancellationToken)
    {
        var name = named ? connector.Descriptions.NextName() : "";
        FrontendMessages.WriteParse(connector.Output, name, sql, parameterTypes);
        FrontendMessages.WriteDescribe(connector.Output, portal: false, name);
        FrontendMessages.WriteSync(connector.Output);
        await connector.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        var handler = connector.QueryHandler;
        handler.Reset(null, collectRows: false, shape: ResponseShape.DescribeOnly);
        await connector.ReceiveAsync(handler).ConfigureAwait(false);
        if (handler.Error is not null) throw QueryRunner.Fail(connector, handler.Error, cancellationToken);
        var serverTypes = handler.ParameterTypes;
        var described = handler.Description;
        // Between describing and running, so that this very result is decoded with a type newer than the catalog known.
        if (described is not null && await TypeCatalogLoader.ReloadIfStaleAsync(connector, cancellationToken).ConfigureAwait(false))
            described = described.WithCurrentTypes(connector.TypeRegistry);
        var formats = ResultFormats(described);
        var statement = new StatementDescription(
            name,
            parameterTypes,
            serverTypes ?? [],
            formats,
            name.Length > 0 ? described?.WithFormats(formats, connector.TypeRegistry) : null);
        connector.Descriptions.Add(sql, statement);
        return statement;
    }

    /// <summary>Bind for the unnamed portal: parameters binary (text for <see cref="TextFormatCodec"/>), results as the statement learnt.</summary>
    internal static void WriteBind(MessageBuffer output, string statementName, IReadOnlyList<object?> parameters, ReadOnlySpan<PgCodec?> codecs, FormatCode[] resultFormats)
    {
        var anyText = false;
        foreach (var codec in codecs) anyText |= ReferenceEquals(codec, TextFormatCodec.Instance);
        int at;
        if (anyText)
        {
            var formats = codecs.Length <= 256 ? stackalloc FormatCode[codecs.Length] : new FormatCode[codecs.Length];
            for (var i = 0; i < codecs.Length; i++) formats[i] = ReferenceEquals(codecs[i], TextFormatCodec.Instance) ? FormatCode.Text : FormatCode.Binary;
            at = FrontendMessages.StartBind(output, "", statementName, parameters.Count, formats);
        }
        else
        {
            at = FrontendMessages.StartBind(output, "", statementName, parameters.Count);
        }
        for (var i = 0; i < codecs.Length; i++)
        {
            var codec = codecs[i];
            if (codec is null)
            {
                FrontendMessages.WriteBindNull(output);
                continue;
            }
            var lengthAt = FrontendMessages.BeginBindValue(output);
            var value = parameters[i] switch
            {
                TypedValue typed => typed.Value,
                IUnboxedValue unboxed when ReferenceEquals(codec, unboxed.Codec) => unboxed,
                IUnboxedValue unboxed => unboxed.Box(),
                var plain => plain!,
            };
            try
            {
                if (value is IUnboxedValue direct) direct.Write(output);
                else if (!codec.TryWriteObject(value, output))
                    throw new System.Diagnostics.UnreachableException($"BUG: the codec chosen for parameter ${i + 1} refused its value.");
            }
            catch (System.Text.EncoderFallbackException e)
            {
                throw new ArgumentException(
                    $"Parameter ${i + 1} holds text that is not valid UTF-16 (a lone surrogate at index {e.Index}), which PostgreSQL cannot store.", nameof(parameters), e);
            }
            FrontendMessages.EndBindValue(output, lengthAt);
        }
        FrontendMessages.EndBind(output, at, resultFormats);
    }

    internal static FormatCode[] ResultFormats(RowDescriptionInfo? description)
    {
        if (description is null) return [];
        var formats = new FormatCode[description.Count];
        for (var i = 0; i < formats.Length; i++)
            formats[i] = description.Types[i].BinaryCodec is not null ? FormatCode.Binary : FormatCode.Text;
        return formats;
    }
}

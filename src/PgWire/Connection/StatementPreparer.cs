using PgWire.Protocol;
using PgWire.Types;

namespace PgWire.Connection;

/// <summary>
/// Everything a session learns about statements before it runs them, in one place: each parameter's type (inferred
/// from its value; a type the catalog lacks reloads it), and the one describe round trip (Parse and
/// Describe(statement) per text, one Sync) behind a first run, a batch's new statements, explicit preparation and
/// <c>SchemaOnly</c>. After every describe the type catalog is refreshed at one point, so a result of a type created
/// since it was loaded is decoded with that type.
/// </summary>
internal static class StatementPreparer
{
    /// <summary>One text to describe: as <paramref name="Name"/> (a named statement), or the unnamed one when empty.</summary>
    internal readonly record struct Request(string Sql, uint[] ParameterTypes, string Name);

    /// <summary>
    /// Every parameter's type and codec, before a byte is sent. A type named by the caller or mapped to a CLR type
    /// that the catalog does not have (created since it was loaded) reloads the catalog once.
    /// </summary>
    public static async ValueTask InferAsync(
        PgConnector connector, IReadOnlyList<object?> parameters, uint[] types, PgCodec?[] codecs, CancellationToken cancellationToken)
    {
        var missing = ParameterBinder.Infer(connector.TypeRegistry, parameters, types, codecs);
        if (missing < 0) return;
        connector.TypeRegistry.CatalogIsStale = true;
        await TypeCatalogLoader.RefreshAsync(connector, cancellationToken).ConfigureAwait(false);
        missing = ParameterBinder.Infer(connector.TypeRegistry, parameters, types, codecs);
        if (missing >= 0) throw ParameterBinder.MissingType(connector.TypeRegistry, parameters[missing]!, missing);
    }

    /// <summary>
    /// First sight of a text in this session: prepares it (named or not) and learns its columns, so that Bind asks
    /// for the right formats and a named statement's later runs skip parsing and planning.
    /// </summary>
    public static async ValueTask<StatementDescription> PrepareAsync(
        PgConnector connector, string sql, uint[] parameterTypes, bool named, CancellationToken cancellationToken)
    {
        var described = await DescribeAsync(connector, [new Request(sql, parameterTypes, named ? connector.Descriptions.NextName() : "")],
            positions: null, beforeExecution: false, remember: true, cancellationToken).ConfigureAwait(false);
        return described[0].Statement;
    }

    /// <summary>
    /// Prepares every statement of a batch at <paramref name="unknown"/> positions, in one round trip: a text repeated
    /// with the same parameter types is prepared once (a batch of a thousand identical INSERTs prepares one statement),
    /// as a named statement when any of its occurrences wants one. Fills <paramref name="statements"/> at those positions.
    /// </summary>
    public static async ValueTask PrepareManyAsync(
        PgConnector connector, IReadOnlyList<(string Sql, object?[] Values)> batch, uint[][] types, bool[] wantNamed, List<int> unknown,
        StatementDescription?[] statements, CancellationToken cancellationToken)
    {
        // representative[i] is the first statement like i; distinct lists the representatives in batch order.
        var distinct = new List<int>();
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
        var requests = new Request[distinct.Count];
        for (var d = 0; d < requests.Length; d++)
        {
            var i = distinct[d];
            requests[d] = new Request(batch[i].Sql, types[i], namedGroup[i] ? connector.Descriptions.NextName() : "");
        }
        var described = await DescribeAsync(connector, requests, [.. distinct], beforeExecution: true, remember: true, cancellationToken).ConfigureAwait(false);
        for (var d = 0; d < distinct.Count; d++) statements[distinct[d]] = described[d].Statement;
        foreach (var i in unknown) statements[i] ??= statements[representative[i]];
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
            await InferAsync(connector, values, types, new PgCodec?[values.Length], cancellationToken).ConfigureAwait(false);
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

    /// <summary>
    /// Describes statements without running them or remembering them (CommandBehavior.SchemaOnly), as the unnamed
    /// statement. Returns per statement its result's description (null for a statement without one), in the formats
    /// an execution would use.
    /// </summary>
    public static async ValueTask<RowDescriptionInfo?[]> DescribeOnlyAsync(
        PgConnector connector, IReadOnlyList<(string Sql, object?[] Values)> batch, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // Every statement's types first: inference may reload the type catalog, which needs an empty output buffer.
        var requests = new Request[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            var types = new uint[batch[i].Values.Length];
            await InferAsync(connector, batch[i].Values, types, new PgCodec?[types.Length], cancellationToken).ConfigureAwait(false);
            requests[i] = new Request(batch[i].Sql, types, "");
        }
        var described = await DescribeAsync(connector, requests, [.. Enumerable.Range(0, batch.Count)], beforeExecution: false, remember: false, cancellationToken)
            .ConfigureAwait(false);
        var result = new RowDescriptionInfo?[batch.Count];
        for (var i = 0; i < result.Length; i++)
            result[i] = described[i].Description?.WithFormats(described[i].Statement.ResultFormats, connector.TypeRegistry);
        return result;
    }

    /// <summary>
    /// The describe round trip: Parse and Describe(statement) for each request, one Sync; then, at this one point, the
    /// type catalog is refreshed when a description met a type it did not know. Each statement learnt is remembered
    /// in the session's description cache (unless <paramref name="remember"/> is false).
    /// </summary>
    /// <param name="connector">The idle session, its output holding at most the Close messages of dropped statements.</param>
    /// <param name="requests">The texts to describe, in order.</param>
    /// <param name="positions">Per request, its statement's position in the caller's batch (a failure's
    /// <see cref="PgWireServerException.StatementIndex"/>); null to leave the index unset.</param>
    /// <param name="beforeExecution">Mark a failure as one before anything of the batch ran (it may then run statement
    /// by statement: a later statement may depend on an earlier one).</param>
    /// <param name="remember">Add what was learnt to the session's description cache.</param>
    /// <param name="cancellationToken">The caller's token (to report a cancellation as such).</param>
    /// <returns>Per request, the statement learnt and its result's description (null after NoData).</returns>
    private static async ValueTask<(StatementDescription Statement, RowDescriptionInfo? Description)[]> DescribeAsync(
        PgConnector connector, Request[] requests, int[]? positions, bool beforeExecution, bool remember, CancellationToken cancellationToken)
    {
        foreach (var request in requests) WriteDescribe(connector.Output, request);
        FrontendMessages.WriteSync(connector.Output);
        await connector.Writer.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        var handler = connector.DescribeHandler;
        handler.Reset(requests.Length);
        await connector.ReceiveAsync(handler).ConfigureAwait(false);
        if (handler.Error is { } error)
        {
            if (positions is not null) error.StatementIndex = handler.FailedIndex < positions.Length ? positions[handler.FailedIndex] : -1;
            error.BeforeExecution = beforeExecution;
            throw QueryRunner.Fail(connector, error, cancellationToken);
        }
        if (handler.Described.Count != requests.Length)
            throw connector.Break(new PgWireProtocolException($"The server described {handler.Described.Count} statements; {requests.Length} were sent."));
        // Between describing and running, so that this very result is decoded with a type newer than the catalog knew.
        var reloaded = await TypeCatalogLoader.RefreshAsync(connector, cancellationToken).ConfigureAwait(false);
        var statements = new (StatementDescription, RowDescriptionInfo?)[requests.Length];
        for (var d = 0; d < requests.Length; d++)
        {
            var (serverTypes, description) = handler.Described[d];
            if (reloaded) description = description?.WithCurrentTypes(connector.TypeRegistry);
            var statement = Learn(connector.TypeRegistry, requests[d], serverTypes, description);
            if (remember) connector.Descriptions.Add(requests[d].Sql, statement);
            statements[d] = (statement, description);
        }
        return statements;
    }

    /// <summary>Parse and Describe(statement) for one text.</summary>
    public static void WriteDescribe(MessageBuffer output, Request request)
    {
        FrontendMessages.WriteParse(output, request.Name, request.Sql, request.ParameterTypes);
        FrontendMessages.WriteDescribe(output, portal: false, request.Name);
    }

    /// <summary>
    /// What a session knows of a statement once described: the types it was parsed with and those the server chose,
    /// the result formats to ask for, and, for a named statement, its result's description in those formats (its
    /// columns cannot change under it: the server fails it with 0A000 instead); the unnamed statement's result is
    /// described every time it runs.
    /// </summary>
    public static StatementDescription Learn(PgTypeRegistry registry, Request request, uint[] serverTypes, RowDescriptionInfo? description)
    {
        var formats = ResultFormats(description);
        return new StatementDescription(request.Name, request.ParameterTypes, serverTypes, formats,
            request.Name.Length > 0 ? description?.WithFormats(formats, registry) : null);
    }

    /// <summary>The formats to ask the server for: binary for every column with a binary codec, text for the rest.</summary>
    public static FormatCode[] ResultFormats(RowDescriptionInfo? description)
    {
        if (description is null) return [];
        var formats = new FormatCode[description.Count];
        for (var i = 0; i < formats.Length; i++)
            formats[i] = description.Types[i].BinaryCodec is not null ? FormatCode.Binary : FormatCode.Text;
        return formats;
    }
}

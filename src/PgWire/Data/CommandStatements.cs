using System.Data;

namespace PgWire;

/// <summary>
/// A command's or a batch's statements as the wire takes them: the text split into statements with @name parameters
/// rewritten to positional ones (<see cref="SqlRewriter"/>; StoredProcedure as CALL), each statement given the values
/// of the parameters it uses, checked and converted before anything is sent (<see cref="PgWireParameter"/>). Rewrites
/// are cached per command and shared by text.
/// </summary>
internal static class CommandStatements
{
    /// <summary>The last rewrite of a command's text, reused while the text, type and parameter names stay the same.</summary>
    public sealed record RewriteCache(string Text, CommandType Type, string?[] Names, List<RewrittenStatement> Statements);

    /// <summary>
    /// Splits a command text into statements and gives each the values of the parameters it uses; refills
    /// <c>reuse</c> (a command's own list, from its previous execution) when given. With <paramref name="preparing"/>,
    /// a parameter without a value yet stands as NULL of its declared type (or of the type the server infers), as
    /// ADO.NET's Prepare-then-set-values pattern needs.
    /// </summary>
    public static List<(string Sql, object?[] Values)> Build(
        string commandText, CommandType commandType, List<PgWireParameter> parameters, ref RewriteCache? cache,
        List<(string Sql, object?[] Values)>? reuse = null, bool preparing = false)
    {
        List<RewrittenStatement> rewritten;
        if (cache is not null && ReferenceEquals(cache.Text, commandText) && cache.Type == commandType && SameNames(cache.Names, parameters))
        {
            rewritten = cache.Statements;
        }
        else if (s_rewrites.TryGetValue(commandText, out var shared) && shared.Type == commandType && SameNames(shared.Names, parameters))
        {
            // Another command (a new one per execution, as ADO.NET code often does, or a batch's) rewrote this text.
            cache = shared;
            rewritten = shared.Statements;
        }
        else
        {
            rewritten = Rewrite(commandText, commandType, parameters);
            var cachedNames = new string?[parameters.Count];
            for (var i = 0; i < cachedNames.Length; i++) cachedNames[i] = parameters[i].ParameterName;
            cache = new RewriteCache(commandText, commandType, cachedNames, rewritten);
            if (s_rewrites.Count >= MaxSharedRewrites) s_rewrites.Clear();
            s_rewrites[commandText] = cache;
        }

        var wire = rewritten.Count == 1 && rewritten[0].ParameterIndices.Length == parameters.Count ? null : new object?[parameters.Count];
        if (wire is not null)
            for (var i = 0; i < wire.Length; i++) wire[i] = parameters[i].ToWireValue(i, preparing);
        var result = reuse ?? new List<(string, object?[])>(rewritten.Count);
        if (result.Count != rewritten.Count) result.Clear();
        for (var s = 0; s < rewritten.Count; s++)
        {
            var statement = rewritten[s];
            var count = statement.ParameterIndices.Length;
            var values = s < result.Count && result[s].Values.Length == count ? result[s].Values : count == 0 ? [] : new object?[count];
            for (var k = 0; k < count; k++)
            {
                var index = statement.ParameterIndices[k];
                values[k] = wire is null ? parameters[index].ToWireValue(index, preparing) : wire[index];
            }
            if (s < result.Count) result[s] = (statement.Sql, values);
            else result.Add((statement.Sql, values));
        }
        return result;
    }

    /// <summary>Rewrites shared by every command, by text: bounded, emptied when full (texts built with literals do not pile up).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, RewriteCache> s_rewrites = new(StringComparer.Ordinal);

    private const int MaxSharedRewrites = 2048;

    private static bool SameNames(string?[] names, List<PgWireParameter> parameters)
    {
        if (names.Length != parameters.Count) return false;
        for (var i = 0; i < names.Length; i++)
            if (!string.Equals(names[i], parameters[i].ParameterName, StringComparison.Ordinal)) return false;
        return true;
    }

    private static List<RewrittenStatement> Rewrite(string commandText, CommandType commandType, List<PgWireParameter> parameters)
    {
        List<RewrittenStatement> rewritten;
        switch (commandType)
        {
            case CommandType.Text:
                if (commandText.Length == 0) throw new InvalidOperationException("CommandText is empty.");
                var names = new string?[parameters.Count];
                for (var i = 0; i < names.Length; i++) names[i] = parameters[i].ParameterName;
                rewritten = SqlRewriter.Rewrite(commandText, names);
                break;
            case CommandType.StoredProcedure:
                if (commandText.Length == 0) throw new InvalidOperationException("CommandText must name the procedure.");
                var placeholders = string.Join(", ", Enumerable.Range(1, parameters.Count).Select(n => "$" + n));
                rewritten = [new RewrittenStatement($"CALL {commandText}({placeholders})", [.. Enumerable.Range(0, parameters.Count)])];
                break;
            default:
                throw new NotSupportedException($"CommandType {commandType} is not supported; use Text or StoredProcedure.");
        }
        return rewritten;
    }

    /// <summary>Every batch command's statements in order, and per statement the index of the command it belongs to.</summary>
    public static (List<(string Sql, object?[] Values)> Statements, int[] Owners) BuildBatch(List<PgWireBatchCommand> commands)
    {
        var statements = new List<(string Sql, object?[] Values)>(commands.Count);
        var owners = new List<int>(commands.Count);
        List<(string Sql, object?[] Values)>? scratch = null;
        for (var c = 0; c < commands.Count; c++)
        {
            commands[c]._recordsAffected = -1;
            scratch?.Clear();
            // A batch repeats one command text: the previous command's rewrite serves (checked against the names).
            if (c > 0 && commands[c]._rewriteCache is null && ReferenceEquals(commands[c].CommandText, commands[c - 1].CommandText))
                commands[c]._rewriteCache = commands[c - 1]._rewriteCache;
            scratch = Build(commands[c].CommandText, commands[c].CommandType, commands[c].Parameters.Items, ref commands[c]._rewriteCache, scratch);
            foreach (var statement in scratch)
            {
                statements.Add(statement);
                owners.Add(c);
            }
        }
        return (statements, [.. owners]);
    }
}

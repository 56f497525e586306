using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Reflection;
using System.Text;
using PgWire.Types;

namespace PgWire;

/// <summary>
/// The bulk insert behind <see cref="PgWireConnection.BulkInsertAsync{T}(string, IReadOnlyList{string}, IEnumerable{T}, CancellationToken)"/>:
/// the COPY statement for a table and column list, and a compiled writer per row type and column list that hands
/// each column's value to <see cref="PgWireBinaryImporter.Write{T}(T)"/> with its own static type (no boxing).
/// </summary>
internal static class BulkInserter
{
    /// <summary>What trimming must keep of a row type: the public properties and fields its columns are read from.</summary>
    public const System.Diagnostics.CodeAnalysis.DynamicallyAccessedMemberTypes RowMembers =
        System.Diagnostics.CodeAnalysis.DynamicallyAccessedMemberTypes.PublicProperties | System.Diagnostics.CodeAnalysis.DynamicallyAccessedMemberTypes.PublicFields;

    /// <summary>Builds <c>COPY "schema"."table" ("a", "b") FROM STDIN (FORMAT BINARY)</c> and returns the columns' names as given.</summary>
    public static string CopyCommand(string table, IReadOnlyList<string> columns, out string[] names)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(columns);
        if (columns.Count == 0) throw new ArgumentException("Name at least one column to insert into.", nameof(columns));
        var sql = new StringBuilder("COPY ");
        AppendQualifiedName(sql, table);
        sql.Append(" (");
        names = new string[columns.Count];
        for (var i = 0; i < columns.Count; i++)
        {
            var column = columns[i] ?? throw new ArgumentException($"Column {i} is null.", nameof(columns));
            var (name, end) = ReadIdentifier(column, 0, stopAtDot: false, $"column {i}", nameof(columns));
            if (end != column.Length)
                throw new ArgumentException($"Column {i} ({column}) has text after its closing quote at position {end}.", nameof(columns));
            names[i] = name;
            if (i > 0) sql.Append(", ");
            AppendQuoted(sql, name);
        }
        sql.Append(") FROM STDIN (FORMAT BINARY)");
        return sql.ToString();
    }

    /// <summary>
    /// Appends <paramref name="table"/> (<c>table</c>, <c>schema.table</c> or <c>database.schema.table</c>) with each
    /// part quoted. A part in double quotes is taken as a quoted identifier (<c>"my.table"</c>, <c>"a""b"</c>).
    /// </summary>
    private static void AppendQualifiedName(StringBuilder sql, string table)
    {
        var at = 0;
        for (var part = 0; ; part++)
        {
            if (part == 3) throw new ArgumentException($"The table name '{table}' has more than three dot-separated parts.", nameof(table));
            var (name, end) = ReadIdentifier(table, at, stopAtDot: true, "the table name", nameof(table));
            if (part > 0) sql.Append('.');
            AppendQuoted(sql, name);
            if (end == table.Length) return;
            if (table[end] != '.')
                throw new ArgumentException($"The table name '{table}' has text after a closing quote at position {end}.", nameof(table));
            at = end + 1;
        }
    }

    /// <summary>One name from <paramref name="at"/>: quoted ("" is a quote) up to its closing quote, or plain up to the next dot.</summary>
    private static (string Name, int End) ReadIdentifier(string text, int at, bool stopAtDot, string what, string parameter)
    {
        string name;
        int end;
        if (at < text.Length && text[at] == '"')
        {
            var unquoted = new StringBuilder();
            end = at + 1;
            while (true)
            {
                if (end >= text.Length) throw new ArgumentException($"The quote at position {at} of {what} ({text}) is never closed.", parameter);
                if (text[end] == '"')
                {
                    if (end + 1 < text.Length && text[end + 1] == '"')
                    {
                        unquoted.Append('"');
                        end += 2;
                        continue;
                    }
                    end++;
                    break;
                }
                unquoted.Append(text[end++]);
            }
            name = unquoted.ToString();
        }
        else
        {
            end = stopAtDot && text.IndexOf('.', at) is var dot and >= 0 ? dot : text.Length;
            name = text[at..end];
        }
        if (name.Length == 0) throw new ArgumentException($"{what} ({text}) has an empty name at position {at}.", parameter);
        if (name.Contains('\0')) throw new ArgumentException($"{what} contains a NUL character.", parameter);
        return (name, end);
    }

    private static void AppendQuoted(StringBuilder sql, string name) => sql.Append('"').Append(name.Replace("\"", "\"\"")).Append('"');

    /// <summary>Writes a whole row of <typeparamref name="T"/> into the importer's current row, column by column.</summary>
    /// <param name="Write">Writes the row's values.</param>
    /// <param name="RowIsValue">The row is the one column's value (so a null row is NULL, not a missing row).</param>
    public sealed record RowWriter<[System.Diagnostics.CodeAnalysis.DynamicallyAccessedMembers(BulkInserter.RowMembers)] T>(Action<PgWireBinaryImporter, T> Write, bool RowIsValue);

    /// <summary>The compiled writer of <typeparamref name="T"/> rows into <paramref name="columns"/>, cached per column list.</summary>
    /// <exception cref="ArgumentException">A column has no member, or a tuple has the wrong number of items.</exception>
    public static RowWriter<T> WriterFor<[System.Diagnostics.CodeAnalysis.DynamicallyAccessedMembers(BulkInserter.RowMembers)] T>(string[] columns) => RowWriters<T>.For(columns);

    private static class RowWriters<[System.Diagnostics.CodeAnalysis.DynamicallyAccessedMembers(BulkInserter.RowMembers)] T>
    {
        private static readonly ConcurrentDictionary<string, RowWriter<T>> Compiled = new();

        public static RowWriter<T> For(string[] columns)
        {
            var key = string.Join('\0', columns);
            return Compiled.TryGetValue(key, out var writer) ? writer : Compiled.GetOrAdd(key, Compile(columns));
        }

        [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2026",
            Justification = "The row type's public properties and fields are kept (RowMembers on T); a tuple's items are its public fields.")]
        [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2060",
            Justification = "PgWireBinaryImporter.Write<T> is instantiated over the row's member types, which the row type keeps.")]
        private static RowWriter<T> Compile(string[] columns)
        {
            var importer = Expression.Parameter(typeof(PgWireBinaryImporter), "importer");
            var row = Expression.Parameter(typeof(T), "row");
            var values = ValuesOf(row, columns);
            var write = Expression.Lambda<Action<PgWireBinaryImporter, T>>(
                Expression.Block(values.Select(value => WriteValue(importer, value))), importer, row).Compile();
            return new RowWriter<T>(write, values is [ParameterExpression]);
        }
    }

    /// <summary>
    /// The expressions for each column's value: a tuple's items in order, an object?[]'s elements, the row itself for
    /// one column of a plain value type, else each column's member (by name as is, ignoring case, or snake_case).
    /// </summary>
    private static List<Expression> ValuesOf(ParameterExpression row, string[] columns)
    {
        var type = row.Type;
        var values = new List<Expression>();
        if (IsTuple(type))
        {
            AddTupleItems(row, values);
            if (values.Count != columns.Length)
                throw new ArgumentException($"{Describe(type)} has {values.Count} items but {columns.Length} columns are named: give one column per item, in order.");
            return values;
        }
        if (type == typeof(object[]))
        {
            for (var i = 0; i < columns.Length; i++) values.Add(Expression.ArrayIndex(row, Expression.Constant(i)));
            return values;
        }
        if (columns.Length == 1 && IsPlainValue(type))
        {
            values.Add(row);
            return values;
        }
        var missing = new List<string>();
        foreach (var column in columns)
        {
            var member = MemberNames.FindReadable(type, column);
            if (member is null) missing.Add(column);
            else values.Add(Expression.MakeMemberAccess(row, member));
        }
        if (missing.Count == 0) return values;
        // One column that no member names: the row is the value (a composite-typed column, a custom type).
        if (columns.Length == 1)
        {
            values.Add(row);
            return values;
        }
        throw new ArgumentException(
            $"{type} has no public readable property or field for column{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing.Select(m => $"'{m}'"))} "
            + "(a member matches by its name as is, ignoring case, or in snake_case: CustomerId is customer_id). Rows may also be tuples or object?[], with one item per column in order.");
    }

    private static bool IsTuple(Type type)
    {
        if (!type.IsGenericType) return false;
        var definition = type.GetGenericTypeDefinition();
        return definition.Namespace == "System" && (definition.Name.StartsWith("ValueTuple`", StringComparison.Ordinal) || definition.Name.StartsWith("Tuple`", StringComparison.Ordinal));
    }

    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2026",
        Justification = "A tuple's items are public fields (ValueTuple) or properties (Tuple) of the row type, which keeps them (RowMembers).")]
    private static void AddTupleItems(Expression tuple, List<Expression> values)
    {
        var arguments = tuple.Type.GetGenericArguments();
        for (var i = 1; i <= Math.Min(arguments.Length, 7); i++) values.Add(Expression.PropertyOrField(tuple, "Item" + i));
        if (arguments.Length == 8) AddTupleItems(Expression.PropertyOrField(tuple, "Rest"), values);
    }

    /// <summary>A type written as one value, never as a set of members: numbers, text, dates, byte arrays, collections, PgWire's own values.</summary>
    private static bool IsPlainValue(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(DateTime)
            || type == typeof(DateTimeOffset) || type == typeof(TimeSpan) || type == typeof(DateOnly) || type == typeof(TimeOnly)
            || type == typeof(Guid) || type == typeof(System.Numerics.BigInteger) || typeof(System.Collections.IEnumerable).IsAssignableFrom(type)
            || type.Namespace is "PgWire" or "System.Net" or "System.Net.NetworkInformation" or "System.Text.Json";
    }

    private static readonly MethodInfo WriteMethod = typeof(PgWireBinaryImporter).GetMethods()
        .Single(m => m.Name == nameof(PgWireBinaryImporter.Write) && m.IsGenericMethodDefinition);

    private static readonly MethodInfo WriteNullMethod = typeof(PgWireBinaryImporter).GetMethod(nameof(PgWireBinaryImporter.WriteNull))!;

    private static readonly MethodInfo WriteBoxedMethod = typeof(BulkInserter).GetMethod(nameof(WriteBoxed), BindingFlags.NonPublic | BindingFlags.Static)!;

    /// <summary>Writes a boxed value (the codec chosen by its run-time type): the writer where no code can be generated.</summary>
    private static void WriteBoxed(PgWireBinaryImporter importer, object? value) => importer.Write(value);

    /// <summary>
    /// <c>importer.Write&lt;TValue&gt;(value)</c>; a nullable value type writes its value or NULL. Under NativeAOT (no
    /// generic methods made at run time) the value is written boxed instead.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2026",
        Justification = "Nullable<T>'s HasValue and Value are public properties of a type the row already uses.")]
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2060",
        Justification = "PgWireBinaryImporter.Write<T> is instantiated over the row's member types, which the row type keeps.")]
    private static Expression WriteValue(ParameterExpression importer, Expression value)
    {
        if (!System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported)
            return Expression.Call(WriteBoxedMethod, importer, Expression.Convert(value, typeof(object)));
        if (Nullable.GetUnderlyingType(value.Type) is not { } underlying)
            return Expression.Call(importer, WriteMethod.MakeGenericMethod(value.Type), value);
        var held = Expression.Variable(value.Type, "value");
        return Expression.Block([held],
            Expression.Assign(held, value),
            Expression.IfThenElse(
                Expression.Property(held, "HasValue"),
                Expression.Call(importer, WriteMethod.MakeGenericMethod(underlying), Expression.Property(held, "Value")),
                Expression.Call(importer, WriteNullMethod)));
    }

    private static string Describe(Type type) => type.IsValueType ? "The tuple type " + type : type.ToString();

    public static async Task<ulong> RunAsync<[System.Diagnostics.CodeAnalysis.DynamicallyAccessedMembers(BulkInserter.RowMembers)] T>(PgWireConnection connection, string table, IReadOnlyList<string> columns, IEnumerable<T> rows, CancellationToken cancellationToken,
        IProgress<PgProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var sql = CopyCommand(table, columns, out var names);
        var writer = WriterFor<T>(names);
        await using var importer = await connection.BeginBinaryImportAsync(sql, progress, cancellationToken).ConfigureAwait(false);
        long count = 0;
        foreach (var row in rows)
        {
            count++;
            await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
            WriteRow(importer, writer, row, count, names.Length);
        }
        return await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    public static async Task<ulong> RunAsync<[System.Diagnostics.CodeAnalysis.DynamicallyAccessedMembers(BulkInserter.RowMembers)] T>(PgWireConnection connection, string table, IReadOnlyList<string> columns, IAsyncEnumerable<T> rows, CancellationToken cancellationToken,
        IProgress<PgProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var sql = CopyCommand(table, columns, out var names);
        var writer = WriterFor<T>(names);
        await using var importer = await connection.BeginBinaryImportAsync(sql, progress, cancellationToken).ConfigureAwait(false);
        long count = 0;
        await foreach (var row in rows.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            count++;
            await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
            WriteRow(importer, writer, row, count, names.Length);
        }
        return await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    private static void WriteRow<[System.Diagnostics.CodeAnalysis.DynamicallyAccessedMembers(BulkInserter.RowMembers)] T>(PgWireBinaryImporter importer, RowWriter<T> writer, T row, long number, int columns)
    {
        if (row is null && !writer.RowIsValue)
            throw new ArgumentException($"Row {number} is null: a row needs a value per column (a column's value may be null).", "rows");
        // typeof first, so that a struct row is never boxed for the test.
        if (typeof(T) == typeof(object[]) && row is object?[] values && values.Length != columns)
            throw new ArgumentException($"Row {number} has {values.Length} values but {columns} columns are named.", "rows");
        writer.Write(importer, row);
    }
}

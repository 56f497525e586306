using System.Data;
using System.Net;
using Dapper;

namespace PgWire.Dapper;

/// <summary>
/// Teaches Dapper what PgWire passes natively. Dapper expands every list parameter into <c>(@p1,@p2,...)</c> unless a
/// type handler claims the list's type (it recognises array-capable providers only by their connection type's name),
/// which breaks <c>WHERE id = ANY(@ids)</c> and array columns. <see cref="AddTypeHandlers"/> registers a handler for the
/// arrays and <see cref="List{T}"/> of every element type PgWire sends as a PostgreSQL array, so they go as one array
/// parameter; <c>IN @ids</c> keeps working, as PgWire reads it as <c>= ANY(@ids)</c>. Call it once at start-up,
/// before the first query (Dapper caches what it learns per query).
/// </summary>
public static class PgWireDapper
{
    private static readonly Lock s_lock = new();
    private static bool s_registered;

    /// <summary>
    /// Registers, once, Dapper type handlers for arrays and lists of bool, short, int, long, float, double, decimal,
    /// string, Guid, DateTime, DateTimeOffset, DateOnly, TimeOnly, TimeSpan, uint, IPAddress, IPNetwork, PgInet,
    /// PgInterval, PgDate, PgTimestamp and byte[] (the value types also as nullable elements: <c>int?[]</c>); handlers
    /// that pass PgWire's other types as parameters (IPAddress, IPNetwork, PgInet, PgInterval, PgDate, PgTimestamp,
    /// PgJson, PhysicalAddress, BitArray, hstore dictionaries; JsonDocument and JsonElement as jsonb, also read back from
    /// json and jsonb columns); and a handler that reads timestamptz into <see cref="DateTimeOffset"/> (UTC).
    /// </summary>
    public static void AddTypeHandlers()
    {
        lock (s_lock)
        {
            if (s_registered) return;
            AddValueElement<bool>();
            AddValueElement<short>();
            AddValueElement<int>();
            AddValueElement<long>();
            AddValueElement<float>();
            AddValueElement<double>();
            AddValueElement<decimal>();
            AddValueElement<Guid>();
            AddValueElement<DateTime>();
            AddValueElement<DateTimeOffset>();
            AddValueElement<DateOnly>();
            AddValueElement<TimeOnly>();
            AddValueElement<TimeSpan>();
            AddValueElement<uint>();
            AddValueElement<PgInet>();
            AddValueElement<PgInterval>();
            AddValueElement<PgDate>();
            AddValueElement<PgTimestamp>();
            AddElement<string>();
            AddElement<IPAddress>();
            AddElement<IPNetwork>();
            AddElement<byte[]>();
            // Values Dapper does not know as parameters: PgWire sends them as their PostgreSQL types.
            AddPassThrough<IPAddress>();
            AddPassThrough<IPNetwork>();
            AddPassThrough<PgInet>();
            AddPassThrough<PgInterval>();
            AddPassThrough<PgDate>();
            AddPassThrough<PgTimestamp>();
            AddPassThrough<PgJson>();
            AddPassThrough<System.Net.NetworkInformation.PhysicalAddress>();
            AddPassThrough<System.Collections.BitArray>();
            AddPassThrough<Dictionary<string, string?>>();
            SqlMapper.AddTypeHandler(new JsonDocumentHandler());
            SqlMapper.AddTypeHandler(new JsonElementHandler());
            SqlMapper.AddTypeHandler(new DateTimeOffsetHandler());
            s_registered = true;
        }
    }

    /// <summary>
    /// Registers Dapper type handlers for arrays and lists of <typeparamref name="TEnum"/>, so that they go as one array
    /// of the PostgreSQL enum it is mapped to with <c>MapEnum</c> (<c>WHERE mood = ANY(@moods)</c>).
    /// </summary>
    /// <remarks>
    /// A single enum value cannot be helped: Dapper turns it into its underlying integer before any provider sees it
    /// (type handlers are not consulted for enums). Send a PostgreSQL enum value as its label with a cast in the SQL
    /// (<c>@mood::mood</c>), or through a <see cref="PgWireCommand"/> parameter. Enum columns read back into .NET enum
    /// properties through Dapper once the data source maps them.
    /// </remarks>
    /// <typeparam name="TEnum">The .NET enum.</typeparam>
    public static void AddEnumArrays<TEnum>() where TEnum : struct, Enum => AddValueElement<TEnum>();

    private static void AddValueElement<T>() where T : struct
    {
        AddElement<T>();
        AddElement<T?>();
    }

    private static void AddElement<T>()
    {
        SqlMapper.AddTypeHandler(typeof(T[]), new ListHandler<T>());
        SqlMapper.AddTypeHandler(typeof(List<T>), new ListHandler<T>());
    }

    private static void AddPassThrough<T>() => SqlMapper.AddTypeHandler(typeof(T), new PassThroughHandler());

    /// <summary>Passes a value PgWire sends natively through as it is.</summary>
    private sealed class PassThroughHandler : SqlMapper.ITypeHandler
    {
        public void SetValue(IDbDataParameter parameter, object value) => parameter.Value = value ?? DBNull.Value;

        public object? Parse(Type destinationType, object value) => value is DBNull ? null
            : destinationType.IsInstanceOfType(value) ? value
            : throw new InvalidCastException($"A {value.GetType()} value cannot be read into a {destinationType}.");
    }

    /// <summary>JsonDocument parameters go as jsonb; json and jsonb columns (read as their text) parse into one.</summary>
    private sealed class JsonDocumentHandler : SqlMapper.TypeHandler<System.Text.Json.JsonDocument>
    {
        public override void SetValue(IDbDataParameter parameter, System.Text.Json.JsonDocument? value) => parameter.Value = (object?)value ?? DBNull.Value;

        public override System.Text.Json.JsonDocument? Parse(object value) => value switch
        {
            System.Text.Json.JsonDocument document => document,
            string text => System.Text.Json.JsonDocument.Parse(text),
            _ => throw new InvalidCastException($"A {value.GetType()} value cannot be read as JsonDocument."),
        };
    }

    /// <summary>JsonElement parameters go as jsonb; json and jsonb columns (read as their text) parse into one.</summary>
    private sealed class JsonElementHandler : SqlMapper.TypeHandler<System.Text.Json.JsonElement>
    {
        public override void SetValue(IDbDataParameter parameter, System.Text.Json.JsonElement value) => parameter.Value = value;

        public override System.Text.Json.JsonElement Parse(object value)
        {
            if (value is System.Text.Json.JsonElement element) return element;
            if (value is not string text) throw new InvalidCastException($"A {value.GetType()} value cannot be read as JsonElement.");
            using var document = System.Text.Json.JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
    }

    /// <summary>Passes an array or list through as one parameter; reads an array column into an array or a list.</summary>
    private sealed class ListHandler<T> : SqlMapper.ITypeHandler
    {
        public void SetValue(IDbDataParameter parameter, object value) => parameter.Value = value ?? DBNull.Value;

        public object? Parse(Type destinationType, object value) => value switch
        {
            DBNull => null,
            _ when destinationType.IsInstanceOfType(value) => value,
            IEnumerable<T> items when destinationType == typeof(List<T>) => new List<T>(items),
            IEnumerable<T> items when destinationType == typeof(T[]) => items.ToArray(),
            _ => throw new InvalidCastException($"A {value.GetType()} value cannot be read into a {destinationType}."),
        };
    }

    /// <summary>timestamptz reads as DateTime (UTC) by default; this gives Dapper a DateTimeOffset with offset 0.</summary>
    private sealed class DateTimeOffsetHandler : SqlMapper.TypeHandler<DateTimeOffset>
    {
        public override void SetValue(IDbDataParameter parameter, DateTimeOffset value) => parameter.Value = value;

        public override DateTimeOffset Parse(object value) => value switch
        {
            DateTimeOffset offset => offset,
            DateTime { Kind: DateTimeKind.Utc } utc => new DateTimeOffset(utc),
            DateTime local => throw new InvalidCastException(
                $"A timestamp without time zone ({local:O}) has no offset, so it is not read as DateTimeOffset; read it as DateTime, or make the column timestamptz."),
            _ => throw new InvalidCastException($"A {value.GetType()} value cannot be read as DateTimeOffset."),
        };
    }
}

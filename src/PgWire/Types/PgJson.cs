using System.Text.Json;

namespace PgWire;

/// <summary>
/// A value serialized to JSON with System.Text.Json, to send as a jsonb parameter: <c>PgJson.Serialize(order)</c>.
/// Reading the other way is <c>row.GetJson&lt;T&gt;(ordinal)</c>.
/// </summary>
public readonly struct PgJson
{
    private PgJson(ReadOnlyMemory<byte> utf8) => Utf8 = utf8;

    /// <summary>The JSON text in UTF-8.</summary>
    public ReadOnlyMemory<byte> Utf8 { get; }

    /// <summary>Serializes <paramref name="value"/> with System.Text.Json.</summary>
    /// <param name="value">The value.</param>
    /// <param name="options">Serializer options, or null for the defaults.</param>
    public static PgJson Serialize<T>(T value, JsonSerializerOptions? options = null) =>
        new(JsonSerializer.SerializeToUtf8Bytes(value, options));

    /// <summary>The JSON text.</summary>
    public override string ToString() => System.Text.Encoding.UTF8.GetString(Utf8.Span);
}

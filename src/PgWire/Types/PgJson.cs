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
    [System.Diagnostics.CodeAnalysis.RequiresUnreferencedCode(Types.JsonReflection.Message)]
    [System.Diagnostics.CodeAnalysis.RequiresDynamicCode(Types.JsonReflection.Message)]
    public static PgJson Serialize<T>(T value, JsonSerializerOptions? options = null) =>
        new(JsonSerializer.SerializeToUtf8Bytes(value, options));

    /// <summary>Serializes <paramref name="value"/> with System.Text.Json's source-generated metadata (safe under trimming and NativeAOT).</summary>
    /// <param name="value">The value.</param>
    /// <param name="typeInfo">The type's metadata, from a <see cref="System.Text.Json.Serialization.JsonSerializerContext"/>.</param>
    public static PgJson Serialize<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        return new(JsonSerializer.SerializeToUtf8Bytes(value, typeInfo));
    }

    /// <summary>The JSON text.</summary>
    public override string ToString() => System.Text.Encoding.UTF8.GetString(Utf8.Span);
}

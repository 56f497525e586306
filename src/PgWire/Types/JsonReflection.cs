namespace PgWire.Types;

/// <summary>The warning a JSON call that serializes arbitrary types by reflection carries under trimming and NativeAOT.</summary>
internal static class JsonReflection
{
    public const string Message =
        "Serializes an arbitrary type with System.Text.Json's reflection, which trimming and NativeAOT do not support: "
        + "use the overload taking a JsonTypeInfo<T> from a JsonSerializerContext (System.Text.Json source generation).";
}

namespace PgWire.Types;

/// <summary>A parameter value with its PostgreSQL type chosen by the caller instead of inferred from the CLR value.</summary>
/// <param name="Value">The value; never null (NULL is sent for null without a type).</param>
/// <param name="Oid">The PostgreSQL type OID the value is sent as (0 while only <paramref name="TypeName"/> is known).</param>
/// <param name="Codec">The codec that writes it; null for a type found by name in the server's catalog when the statement is sent.</param>
/// <param name="TypeName">The type's name, for a type that is not built in (an enum, a composite, an extension's type) or "unknown".</param>
internal sealed record TypedValue(object Value, uint Oid, PgCodec? Codec, string? TypeName = null);

/// <summary>
/// Marks a parameter sent with no declared type, for the server to decide from the statement: it is written, once the
/// statement is described, with the codec of the type the server chose (ParameterDescription).
/// </summary>
internal sealed class ServerTypedCodec : PgCodec
{
    public static readonly ServerTypedCodec Instance = new();

    public override Type DefaultClrType => typeof(object);

    public override object ReadAsObject(ReadOnlySpan<byte> value) => throw new NotSupportedException("BUG: a parameter marker was used to read.");

    public override bool CanWrite(object value) => false;

    public override bool TryWriteObject(object value, System.Buffers.IBufferWriter<byte> writer) => false;

    /// <summary>
    /// Values that go to the server untyped when nothing else names their type: .NET enums (for the enum type the
    /// statement needs), dictionaries (hstore), and plain objects (a composite type).
    /// </summary>
    public static bool CanDefer(object value)
    {
        if (value is Enum or Dictionary<string, string?>) return true;
        if (value is System.Collections.IList list and not byte[])
        {
            // An array or list of such values: an array of the enum or composite type the statement needs.
            foreach (var item in list)
                if (item is not null) return item is not System.Collections.IEnumerable && CanDefer(item);
            return false;
        }
        var type = value.GetType();
        if (type.IsPrimitive || value is string or System.Collections.IEnumerable) return false;
        if (type.Namespace is { } ns && (ns == "System" || ns.StartsWith("System.", StringComparison.Ordinal))) return false;
        return HasPublicMembers(type);
    }

    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2070",
        Justification = "Only decides whether an unmapped object may be a composite the server's type will tell; a type whose members were trimmed is refused later with an exception naming it.")]
    private static bool HasPublicMembers(Type type) =>
        type.GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance).Length > 0
        || type.GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance).Length > 0;
}

/// <summary>
/// A parameter sent in text format (format code 0): the server parses it with its type's input function. For strings
/// given to a type PgWire has no binary codec for, and .NET enum labels.
/// </summary>
internal sealed class TextFormatCodec : PgCodec
{
    public static readonly TextFormatCodec Instance = new();

    public override Type DefaultClrType => typeof(string);

    public override object ReadAsObject(ReadOnlySpan<byte> value) => TextCodec.Instance.Read(value);

    public override bool CanWrite(object value) => value is string or Enum;

    public override bool TryWriteObject(object value, System.Buffers.IBufferWriter<byte> writer)
    {
        switch (value)
        {
            case string text:
                TextCodec.Instance.Write(text, writer);
                return true;
            case Enum member:
                TextCodec.Instance.Write(EnumLabels.LabelOf(member), writer);
                return true;
            default:
                return false;
        }
    }
}

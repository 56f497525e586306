using System.Buffers;

namespace PgWire.Types;

/// <summary>
/// A parameter value its owner holds typed (the generic ADO.NET parameter), handed to the wire layer as is, so that a
/// value type is written straight from its field instead of being boxed for every execution. Only for CLR types that
/// always map to the same built-in PostgreSQL type (<see cref="UnboxedMapping{T}"/>); the value is read when the
/// Bind message is written.
/// </summary>
internal interface IUnboxedValue
{
    /// <summary>The PostgreSQL type the value is sent as.</summary>
    uint Oid { get; }

    /// <summary>The codec that writes it.</summary>
    PgCodec Codec { get; }

    /// <summary>Writes the value with <see cref="Codec"/>.</summary>
    void Write(IBufferWriter<byte> writer);

    /// <summary>The value boxed, for a codec other than <see cref="Codec"/>.</summary>
    object Box();
}

/// <summary>
/// The built-in PostgreSQL type a value type <typeparamref name="T"/> is always sent as, found once per type: null
/// <see cref="Writer"/> for types whose PostgreSQL type depends on the value (a <see cref="DateTime"/>'s Kind) or is
/// chosen elsewhere (enums, composites, ranges, arrays), which keep the boxed path.
/// </summary>
internal static class UnboxedMapping<T>
{
    public static readonly IPgWriter<T>? Writer;
    public static readonly PgCodec? Codec;
    public static readonly uint Oid;

    static UnboxedMapping()
    {
        var type = typeof(T);
        var fixedType = type == typeof(bool) || type == typeof(short) || type == typeof(int) || type == typeof(long)
            || type == typeof(float) || type == typeof(double) || type == typeof(decimal) || type == typeof(uint)
            || type == typeof(Guid) || type == typeof(DateOnly) || type == typeof(TimeOnly) || type == typeof(TimeSpan)
            || type == typeof(DateTimeOffset) || type == typeof(PgDate) || type == typeof(PgTimestamp) || type == typeof(PgInterval);
        if (!fixedType) return;
        if (!BuiltInTypes.TryInferParameter(default(T)!, out var oid, out var codec) || codec is not IPgWriter<T> writer)
            throw new System.Diagnostics.UnreachableException($"BUG: {type} is listed as always sent as one built-in type, but inference gives no writer for it.");
        Writer = writer;
        Codec = codec;
        Oid = oid;
    }
}

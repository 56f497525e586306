using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace PgWire.Types;

/// <summary>
/// Reads a value through a codec as a CLR type known only at run time (an array's element type, a composite's member
/// type): whatever the codec reads as (its IPgReader implementations), composites into classes, arrays into CLR
/// arrays, enum labels into .NET enums.
/// </summary>
internal static class CodecReaders
{
    public delegate object? Reader(PgCodec codec, ReadOnlySpan<byte> value);

    /// <summary>
    /// Readers by codec class and target type (what a codec can read as depends only on its class), null where there
    /// is none: resolved once, as composite fields and array elements ask for every value.
    /// </summary>
    private static readonly ConcurrentDictionary<(Type Codec, Type Target), Reader?> s_readers = new();

    /// <summary>A reader producing <paramref name="target"/> from <paramref name="codec"/>'s values; null when it cannot.</summary>
    public static Reader? For(PgCodec codec, Type target) =>
        s_readers.TryGetValue((codec.GetType(), target), out var reader) ? reader
            : s_readers.GetOrAdd((codec.GetType(), target), static key => Create(key.Codec, key.Target));

    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "The target is a type the caller already reads into.")]
    private static Reader? Create(Type codec, Type target)
    {
        if (typeof(IPgReader<>).MakeGenericType(target).IsAssignableFrom(codec))
        {
            var method = typeof(CodecReaders).GetMethod(nameof(ReadBoxed), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                .MakeGenericMethod(target);
            return (Reader)Delegate.CreateDelegate(typeof(Reader), method);
        }
        if (target == typeof(object)) return static (c, v) => c.ReadAsObject(v);
        if (target.IsEnum && (codec == typeof(TextCodec) || codec == typeof(EnumCodec)))
            return (c, v) => EnumLabels.Parse(target, TextCodec.Instance.Read(v));
        if (target.IsArray && typeof(IArrayReader).IsAssignableFrom(codec))
            return (c, v) => ((IArrayReader)c).ReadArray(v, target);
        if (typeof(ICompositeReader).IsAssignableFrom(codec) && !target.IsPrimitive && target != typeof(string))
            return (c, v) => ((ICompositeReader)c).ReadAs(v, target);
        return null;
    }

    private static object? ReadBoxed<TTarget>(PgCodec codec, ReadOnlySpan<byte> value) => ((IPgReader<TTarget>)codec).Read(value);
}

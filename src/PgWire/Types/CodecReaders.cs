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

    private static readonly ConcurrentDictionary<Type, Reader> s_byInterface = new();
    private static readonly ConcurrentDictionary<Type, Reader> s_special = new();

    /// <summary>A reader producing <paramref name="target"/> from <paramref name="codec"/>'s values; null when it cannot.</summary>
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "The target is a type the caller already reads into.")]
    public static Reader? For(PgCodec codec, Type target)
    {
        if (typeof(IPgReader<>).MakeGenericType(target).IsInstanceOfType(codec))
        {
            return s_byInterface.GetOrAdd(target, static t =>
            {
                var method = typeof(CodecReaders).GetMethod(nameof(ReadBoxed), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                    .MakeGenericMethod(t);
                return (Reader)Delegate.CreateDelegate(typeof(Reader), method);
            });
        }
        if (target == typeof(object)) return static (c, v) => c.ReadAsObject(v);
        if (target.IsEnum && codec is TextCodec or EnumCodec)
            return s_special.GetOrAdd(target, static t => (c, v) => EnumLabels.Parse(t, TextCodec.Instance.Read(v)));
        if (target.IsArray && codec is IArrayReader)
            return s_special.GetOrAdd(target, static t => (c, v) => ((IArrayReader)c).ReadArray(v, t));
        if (codec is ICompositeReader && !target.IsPrimitive && target != typeof(string))
            return s_special.GetOrAdd(target, static t => (c, v) => ((ICompositeReader)c).ReadAs(v, t));
        return null;
    }

    private static object? ReadBoxed<TTarget>(PgCodec codec, ReadOnlySpan<byte> value) => ((IPgReader<TTarget>)codec).Read(value);
}

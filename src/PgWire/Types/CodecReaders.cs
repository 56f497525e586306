using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

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
            : s_readers.GetOrAdd((codec.GetType(), target), static (key, codec) => Create(codec, key.Target), codec);

    private static Reader? Create(PgCodec codec, Type target)
    {
        var type = codec.GetType();
        if (Known(target) is { } known && known.Reads(type)) return known.Read;
        if (RuntimeFeature.IsDynamicCodeSupported)
        {
            if (ReaderByReflection(type, target) is { } reflected) return reflected;
        }
        else if (target == codec.DefaultClrType && codec is not IArrayReader)
        {
            // NativeAOT: the codec's own type (a mapped enum, a range) through its boxing read.
            return static (c, v) => c.ReadAsObject(v);
        }
        if (target == typeof(object)) return static (c, v) => c.ReadAsObject(v);
        if (target.IsEnum && (type == typeof(TextCodec) || type == typeof(EnumCodec)))
            return (c, v) => EnumLabels.Parse(target, TextCodec.Instance.Read(v));
        if (target.IsArray && typeof(IArrayReader).IsAssignableFrom(type))
            return (c, v) => ((IArrayReader)c).ReadArray(v, target);
        if (typeof(ICompositeReader).IsAssignableFrom(type) && !target.IsPrimitive && target != typeof(string))
            return (c, v) => ((ICompositeReader)c).ReadAs(v, target);
        return null;
    }

    /// <summary>A reader through <c>IPgReader&lt;target&gt;</c>, built by reflection (JIT only: NativeAOT uses <see cref="Known"/>).</summary>
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Called only where dynamic code is supported (RuntimeFeature.IsDynamicCodeSupported).")]
    [UnconditionalSuppressMessage("Trimming", "IL2060", Justification = "ReadBoxed is this class's own method, found by name.")]
    private static Reader? ReaderByReflection(Type codec, Type target)
    {
        if (!typeof(IPgReader<>).MakeGenericType(target).IsAssignableFrom(codec)) return null;
        var method = typeof(CodecReaders).GetMethod(nameof(ReadBoxed), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(target);
        return (Reader)Delegate.CreateDelegate(typeof(Reader), method);
    }

    /// <summary>A reader of one CLR type through IPgReader, and the test whether a codec class offers it.</summary>
    private sealed record KnownReader(Func<Type, bool> Reads, Reader Read);

    private static KnownReader Of<T>() => new(static codec => typeof(IPgReader<T>).IsAssignableFrom(codec), static (c, v) => ((IPgReader<T>)c).Read(v));

    private static readonly Dictionary<Type, KnownReader> s_known = new()
    {
        [typeof(bool)] = Of<bool>(), [typeof(byte)] = Of<byte>(), [typeof(char)] = Of<char>(), [typeof(short)] = Of<short>(),
        [typeof(int)] = Of<int>(), [typeof(long)] = Of<long>(), [typeof(uint)] = Of<uint>(), [typeof(float)] = Of<float>(),
        [typeof(double)] = Of<double>(), [typeof(decimal)] = Of<decimal>(), [typeof(string)] = Of<string>(), [typeof(Guid)] = Of<Guid>(),
        [typeof(DateTime)] = Of<DateTime>(), [typeof(DateTimeOffset)] = Of<DateTimeOffset>(), [typeof(DateOnly)] = Of<DateOnly>(),
        [typeof(TimeOnly)] = Of<TimeOnly>(), [typeof(TimeSpan)] = Of<TimeSpan>(), [typeof(PgDate)] = Of<PgDate>(),
        [typeof(PgTimestamp)] = Of<PgTimestamp>(), [typeof(PgInterval)] = Of<PgInterval>(), [typeof(PgNumeric)] = Of<PgNumeric>(),
        [typeof(PgInet)] = Of<PgInet>(), [typeof(System.Net.IPAddress)] = Of<System.Net.IPAddress>(), [typeof(System.Net.IPNetwork)] = Of<System.Net.IPNetwork>(),
        [typeof(System.Net.NetworkInformation.PhysicalAddress)] = Of<System.Net.NetworkInformation.PhysicalAddress>(),
        [typeof(System.Collections.BitArray)] = Of<System.Collections.BitArray>(), [typeof(byte[])] = Of<byte[]>(),
        [typeof(ReadOnlyMemory<byte>)] = Of<ReadOnlyMemory<byte>>(), [typeof(Stream)] = Of<Stream>(),
        [typeof(System.Text.Json.JsonDocument)] = Of<System.Text.Json.JsonDocument>(), [typeof(System.Text.Json.JsonElement)] = Of<System.Text.Json.JsonElement>(),
        [typeof(Dictionary<string, string?>)] = Of<Dictionary<string, string?>>(),
    };

    /// <summary>The reader of a CLR type some codec reads as (named statically, so NativeAOT has its code); null for others.</summary>
    private static KnownReader? Known(Type target) => s_known.GetValueOrDefault(target);

    private static object? ReadBoxed<TTarget>(PgCodec codec, ReadOnlySpan<byte> value) => ((IPgReader<TTarget>)codec).Read(value);
}

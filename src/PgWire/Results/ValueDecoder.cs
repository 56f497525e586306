using System.Diagnostics.CodeAnalysis;
using PgWire.Connection;
using PgWire.Types;

namespace PgWire.Results;

/// <summary>
/// Turns one column's bytes into a CLR value through the column's codec, with the errors a user needs: the column,
/// its PostgreSQL type and the requested type. Shared by row sets and the streaming reader.
/// </summary>
internal static class ValueDecoder
{
    /// <summary>Decodes a non-NULL value of column <paramref name="ordinal"/> as <typeparamref name="T"/>.</summary>
    public static T Read<T>(RowDescriptionInfo description, int ordinal, ReadOnlySpan<byte> value)
    {
        var codec = description.Codecs[ordinal] ?? throw NoCodec(description, ordinal);
        T result;
        bool readable;
        try
        {
            readable = true;
            if (codec is PgCodec<T> typed) result = typed.Read(value);
            else if (codec is IPgReader<T> reader) result = reader.Read(value);
            else if (typeof(T) == typeof(object)) result = (T)codec.ReadAsObject(value);
            else if (typeof(T).IsArray && codec is IArrayReader arrays) result = (T)(object)arrays.ReadArray(value, typeof(T));
            else if (typeof(T).IsEnum && codec is TextCodec or EnumCodec) result = EnumReader<T>.Parse(TextCodec.Instance.Read(value));
            else if (codec is ICompositeReader composite && !typeof(T).IsPrimitive) result = (T)composite.ReadAs(value, typeof(T));
            else readable = NullableReader<T>.TryRead(codec, value, out result!) || NumberConversion.TryRead(codec, value, out result);
        }
        catch (InvalidCastException e)
        {
            throw WithColumn(description, ordinal, typeof(T), e);
        }
        catch (OverflowException e)
        {
            throw WithColumn(description, ordinal, typeof(T), e);
        }
        return readable ? result : throw WrongType(description, ordinal, typeof(T));
    }

    /// <summary>Deserializes a json or jsonb value with System.Text.Json straight from its UTF-8 bytes.</summary>
    [RequiresUnreferencedCode(JsonReflection.Message)]
    [RequiresDynamicCode(JsonReflection.Message)]
    public static T? ReadJson<T>(RowDescriptionInfo description, int ordinal, ReadOnlySpan<byte> value, System.Text.Json.JsonSerializerOptions? options) =>
        ReadJson(description, ordinal, value, static (utf8, options) => System.Text.Json.JsonSerializer.Deserialize<T>(utf8, options), options);

    /// <summary>Deserializes a json or jsonb value with source-generated metadata (NativeAOT- and trimming-safe).</summary>
    public static T? ReadJson<T>(RowDescriptionInfo description, int ordinal, ReadOnlySpan<byte> value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo) =>
        ReadJson(description, ordinal, value, static (utf8, typeInfo) => System.Text.Json.JsonSerializer.Deserialize(utf8, typeInfo), typeInfo);

    private delegate T? JsonReader<T, TState>(ReadOnlySpan<byte> utf8, TState state);

    private static T? ReadJson<T, TState>(RowDescriptionInfo description, int ordinal, ReadOnlySpan<byte> value, JsonReader<T, TState> read, TState state)
    {
        if (description.Codecs[ordinal] is not JsonCodec json)
            throw new InvalidCastException(
                $"Column '{description.Fields[ordinal].Name}' (ordinal {ordinal}) has PostgreSQL type '{description.Types[ordinal].Name}'; GetJson reads json and jsonb columns only.");
        try
        {
            return read(json.Utf8(value), state);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidCastException or NotSupportedException)
        {
            throw new InvalidCastException(
                $"Column '{description.Fields[ordinal].Name}' (ordinal {ordinal}) could not be deserialized as {typeof(T)}: {e.Message}", e);
        }
    }

    /// <summary>A codec's complaint about a value, with the column and both types named.</summary>
    public static InvalidCastException WithColumn(RowDescriptionInfo description, int ordinal, Type requested, InvalidCastException inner) =>
        new($"Column '{description.Fields[ordinal].Name}' (ordinal {ordinal}, PostgreSQL type '{description.Types[ordinal].Name}') cannot be read as {requested}: {inner.Message}.", inner);

    /// <summary>A value too large for the requested type, with the column and both types named.</summary>
    public static OverflowException WithColumn(RowDescriptionInfo description, int ordinal, Type requested, OverflowException inner) =>
        new($"Column '{description.Fields[ordinal].Name}' (ordinal {ordinal}, PostgreSQL type '{description.Types[ordinal].Name}') cannot be read as {requested}: {inner.Message}.", inner);

    /// <summary>SQL NULL as <typeparamref name="T"/>: null where T can hold it, else a clear exception.</summary>
    public static T Null<T>(RowDescriptionInfo description, int ordinal)
    {
        if (default(T) is null) return default!;
        throw new InvalidCastException(
            $"Column '{description.Fields[ordinal].Name}' (ordinal {ordinal}, PostgreSQL type '{description.Types[ordinal].Name}') is NULL and cannot be read as {typeof(T)}. Read it as {typeof(T).Name}? or check IsNull first.");
    }

    private static InvalidCastException WrongType(RowDescriptionInfo description, int ordinal, Type requested) =>
        new($"Column '{description.Fields[ordinal].Name}' (ordinal {ordinal}) has PostgreSQL type '{description.Types[ordinal].Name}', which cannot be read as {requested}; it reads as {description.Codecs[ordinal]?.DefaultClrType}.");

    private static InvalidCastException NoCodec(RowDescriptionInfo description, int ordinal) =>
        new($"Column '{description.Fields[ordinal].Name}' (ordinal {ordinal}) of PostgreSQL type '{description.Types[ordinal].Name}' arrived in binary form, which PgWire cannot decode for this type (if the column's type changed since the statement last ran, the next run asks for text).");

    /// <summary>Parses an enum label into T (an enum type).</summary>
    private static class EnumReader<T>
    {
        public static T Parse(string label) => (T)EnumLabels.Parse(typeof(T), label);
    }

    /// <summary>Reads <c>U?</c> through a codec that reads <c>U</c>; built once per T.</summary>
    private static class NullableReader<T>
    {
        private delegate bool Reader(PgCodec codec, ReadOnlySpan<byte> value, [MaybeNullWhen(false)] out T result);

        private static readonly Reader? s_reader = Create();

        public static bool TryRead(PgCodec codec, ReadOnlySpan<byte> value, [MaybeNullWhen(false)] out T result)
        {
            if (s_reader is not null) return s_reader(codec, value, out result);
            // NativeAOT (no generic method made at run time): the underlying type's reader, boxed, unboxed as U?.
            if (s_underlying is not null && CodecReaders.For(codec, s_underlying) is { } boxed && boxed(codec, value) is T read)
            {
                result = read;
                return true;
            }
            result = default;
            return false;
        }

        private static readonly Type? s_underlying = Nullable.GetUnderlyingType(typeof(T));

        [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Only instantiated for Nullable<U>, whose U is a value type the caller already uses.")]
        [UnconditionalSuppressMessage("Trimming", "IL2060", Justification = "ReadNullable is this class's own method, found by name; U is a value type the caller already uses.")]
        [UnconditionalSuppressMessage("Trimming", "IL2091", Justification = "U is a value type: it always has a parameterless constructor.")]
        private static Reader? Create()
        {
            var underlying = Nullable.GetUnderlyingType(typeof(T));
            if (underlying is null || !System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported) return null;
            var method = typeof(NullableReader<T>).GetMethod(nameof(ReadNullable), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                .MakeGenericMethod(underlying);
            return (Reader)Delegate.CreateDelegate(typeof(Reader), method);
        }

        private static bool ReadNullable<TValue>(PgCodec codec, ReadOnlySpan<byte> value, out TValue? result) where TValue : struct
        {
            if (codec is IPgReader<TValue> reader)
            {
                result = reader.Read(value);
                return true;
            }
            result = null;
            return false;
        }
    }
}

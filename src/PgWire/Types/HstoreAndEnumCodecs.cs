using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text;

namespace PgWire.Types;

/// <summary>
/// hstore (an extension: found by name in the catalog): Int32 pair count, then per pair Int32 key length and key,
/// Int32 value length (-1 = NULL) and value, all UTF-8.
/// </summary>
internal sealed class HstoreCodec : PgCodec<Dictionary<string, string?>>
{
    public static readonly HstoreCodec Instance = new();

    public override Dictionary<string, string?> Read(ReadOnlySpan<byte> value)
    {
        if (value.Length < 4) throw new InvalidCastException("an hstore value is at least 4 bytes");
        var count = BinaryPrimitives.ReadInt32BigEndian(value);
        if (count < 0 || count > (value.Length - 4) / 8) throw new InvalidCastException($"the hstore value declares {count} pairs in {value.Length} bytes");
        var result = new Dictionary<string, string?>(count, StringComparer.Ordinal);
        var offset = 4;
        for (var i = 0; i < count; i++)
        {
            var key = ReadString(value, ref offset) ?? throw new InvalidCastException($"hstore key {i} is NULL");
            result[key] = ReadString(value, ref offset);
        }
        if (offset != value.Length) throw new InvalidCastException($"the hstore value has {value.Length - offset} trailing bytes");
        return result;
    }

    private static string? ReadString(ReadOnlySpan<byte> value, ref int offset)
    {
        if (value.Length - offset < 4) throw new InvalidCastException("the hstore value is truncated");
        var length = BinaryPrimitives.ReadInt32BigEndian(value[offset..]);
        offset += 4;
        if (length == -1) return null;
        if (length < 0 || length > value.Length - offset) throw new InvalidCastException($"an hstore string claims {length} bytes");
        var text = TextCodec.Instance.Read(value.Slice(offset, length));
        offset += length;
        return text;
    }

    public override void Write(Dictionary<string, string?> value, IBufferWriter<byte> writer)
    {
        BinaryPrimitives.WriteInt32BigEndian(writer.GetSpan(4), value.Count);
        writer.Advance(4);
        foreach (var (key, item) in value)
        {
            WriteString(key, writer);
            WriteString(item, writer);
        }
    }

    private static void WriteString(string? text, IBufferWriter<byte> writer)
    {
        if (text is null)
        {
            BinaryPrimitives.WriteInt32BigEndian(writer.GetSpan(4), -1);
            writer.Advance(4);
            return;
        }
        var bytes = Encoding.UTF8.GetBytes(text);
        BinaryPrimitives.WriteInt32BigEndian(writer.GetSpan(4), bytes.Length);
        writer.Advance(4);
        writer.Write(bytes);
    }
}

/// <summary>
/// .NET enums against PostgreSQL enum types. A member goes as the label its
/// <see cref="System.Runtime.Serialization.EnumMemberAttribute"/> names, else as its name in snake_case (VerySad:
/// very_sad), as Npgsql's default translator does; the server's enum_recv takes the label's bytes. Labels read back
/// the same way (or by name, ignoring case).
/// </summary>
internal static class EnumLabels
{
    private static readonly ConcurrentDictionary<Type, (Dictionary<string, object> ByLabel, Dictionary<object, string> ByValue)> s_maps = new();

    public static string LabelOf(Enum value) => Map(value.GetType()).ByValue.TryGetValue(value, out var label)
        ? label
        : throw new ArgumentException($"{value.GetType().Name}.{value} is not a named member, so it has no PostgreSQL enum label.");

    public static T Parse<T>(string label) where T : struct, Enum =>
        Map(typeof(T)).ByLabel.TryGetValue(label, out var value) ? (T)value
        : Enum.TryParse<T>(label, ignoreCase: true, out var parsed) ? parsed
        : throw new InvalidCastException($"the enum label '{label}' matches no member of {typeof(T)}");

    /// <summary>The member of enum type <paramref name="type"/> for a label.</summary>
    public static object Parse(Type type, string label) =>
        Map(type).ByLabel.TryGetValue(label, out var value) ? value
        : Enum.TryParse(type, label, ignoreCase: true, out var parsed) ? parsed!
        : throw new InvalidCastException($"the enum label '{label}' matches no member of {type}");

    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2070",
        Justification = "The type is an enum: trimming keeps every field (member) of an enum type.")]
    private static (Dictionary<string, object> ByLabel, Dictionary<object, string> ByValue) Map(Type type) => s_maps.GetOrAdd(type, static t =>
    {
        var byLabel = new Dictionary<string, object>(StringComparer.Ordinal);
        var byValue = new Dictionary<object, string>();
        foreach (var name in Enum.GetNames(t))
        {
            var value = Enum.Parse(t, name);
            var member = t.GetField(name, System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static);
            var label = member?.GetCustomAttributes(typeof(System.Runtime.Serialization.EnumMemberAttribute), false) is [System.Runtime.Serialization.EnumMemberAttribute { Value: { } named }, ..]
                ? named
                : ToSnakeCase(name);
            byLabel[label] = value;
            byValue.TryAdd(value, label);
        }
        return (byLabel, byValue);
    });

    internal static string ToSnakeCase(string name)
    {
        var text = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1])))) text.Append('_');
                text.Append(char.ToLowerInvariant(c));
            }
            else
            {
                text.Append(c);
            }
        }
        return text.ToString();
    }
}

/// <summary>
/// Enum types (CREATE TYPE ... AS ENUM): the binary form is the label's UTF-8 text. Reads as string (or a .NET enum,
/// through <see cref="EnumLabels"/>); writes a string or a .NET enum's label.
/// </summary>
internal sealed class EnumCodec : PgCodec<string>
{
    public static readonly EnumCodec Instance = new();

    public override string Read(ReadOnlySpan<byte> value) => TextCodec.Instance.Read(value);

    public override void Write(string value, IBufferWriter<byte> writer) => TextCodec.Instance.Write(value, writer);

    public override bool CanWrite(object value) => value is string or Enum;

    public override bool TryWriteObject(object value, IBufferWriter<byte> writer)
    {
        switch (value)
        {
            case string label:
                Write(label, writer);
                return true;
            case Enum member:
                Write(EnumLabels.LabelOf(member), writer);
                return true;
            default:
                return false;
        }
    }
}

/// <summary>
/// An enum type mapped to .NET enum <typeparamref name="TEnum"/> with <c>MapEnum</c>: its values read as
/// <typeparamref name="TEnum"/> by default (GetValue, GetFieldType, Dapper), and as their label when a string is asked
/// for. Writes a <typeparamref name="TEnum"/> as its label, or a label given as a string.
/// </summary>
internal sealed class MappedEnumCodec<TEnum> : PgCodec<TEnum, string>, IPgReader<string> where TEnum : struct, Enum
{
    public override PgCodec? MakeArrayCodec(uint elementOid, string elementName) => new StructArrayCodec<TEnum>(elementOid, elementName, this);

    public override TEnum Read(ReadOnlySpan<byte> value) => EnumLabels.Parse<TEnum>(TextCodec.Instance.Read(value));

    string IPgReader<string>.Read(ReadOnlySpan<byte> value) => TextCodec.Instance.Read(value);

    public override void Write(TEnum value, IBufferWriter<byte> writer) => TextCodec.Instance.Write(EnumLabels.LabelOf(value), writer);

    protected override void WriteAlso(string value, IBufferWriter<byte> writer) => TextCodec.Instance.Write(value, writer);
}

using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;

namespace PgWire.Types;

/// <summary>How a column's values are written as JSON (see <see cref="JsonForms"/>).</summary>
internal enum JsonForm : byte
{
    Bool,
    Int2,
    Int4,
    Int8,
    Oid,
    Float4,
    Float8,
    Numeric,
    Money,
    Text,
    Json,
    Uuid,
    Bytea,
    Date,
    Timestamp,
    TimestampTz,
    Time,
    Array,
    TextNumber,
    TextBool,
    TextJson,
    Hstore,
    Other,
}

/// <summary>
/// Each type's JSON form, written straight from the wire bytes into a <see cref="Utf8JsonWriter"/>: no string and no
/// boxed value per cell for the common types. bool: true/false; int2/int4/int8/oid, float4/float8, numeric, money:
/// numbers (numeric with all its digits; NaN and the infinities as the strings "NaN", "Infinity", "-Infinity");
/// text, varchar, char, name, enums and every column sent as text: strings; json and jsonb: the JSON itself; uuid:
/// its string; bytea: base64; date: "yyyy-MM-dd"; timestamp: ISO 8601 without offset; timestamptz: ISO 8601 in UTC with
/// Z; time: "HH:mm:ss[.ffffff]"; infinite dates and timestamps: "infinity" / "-infinity"; arrays: JSON arrays (nested
/// for several dimensions, NULL elements as null); hstore: an object; composites: arrays of their fields; anything
/// else: the string of its .NET value.
/// </summary>
internal static class JsonForms
{
    /// <summary>The form of a column of type <paramref name="typeOid"/> read through <paramref name="codec"/> (text-format columns use the text codec).</summary>
    public static JsonForm Of(PgCodec? codec, uint typeOid, bool textFormat)
    {
        if (textFormat || codec is null)
        {
            return typeOid switch
            {
                PgTypeOids.Int2 or PgTypeOids.Int4 or PgTypeOids.Int8 or PgTypeOids.Oid or PgTypeOids.Float4 or PgTypeOids.Float8 or PgTypeOids.Numeric => JsonForm.TextNumber,
                PgTypeOids.Bool => JsonForm.TextBool,
                PgTypeOids.Json or PgTypeOids.Jsonb => JsonForm.TextJson,
                _ => JsonForm.Text,
            };
        }
        return codec switch
        {
            BoolCodec => JsonForm.Bool,
            Int2Codec => JsonForm.Int2,
            Int4Codec => JsonForm.Int4,
            Int8Codec => JsonForm.Int8,
            OidCodec => JsonForm.Oid,
            Float4Codec => JsonForm.Float4,
            Float8Codec => JsonForm.Float8,
            NumericCodec => JsonForm.Numeric,
            MoneyCodec => JsonForm.Money,
            TextCodec or EnumCodec => JsonForm.Text,
            JsonCodec => JsonForm.Json,
            UuidCodec => JsonForm.Uuid,
            ByteaCodec => JsonForm.Bytea,
            DateCodec => JsonForm.Date,
            TimestampCodec => JsonForm.Timestamp,
            TimestampTzCodec => JsonForm.TimestampTz,
            TimeCodec => JsonForm.Time,
            IJsonArray => JsonForm.Array,
            HstoreCodec => JsonForm.Hstore,
            _ when codec.GetType().IsGenericType && codec.GetType().GetGenericTypeDefinition() == typeof(MappedEnumCodec<>) => JsonForm.Text,
            _ => JsonForm.Other,
        };
    }

    /// <summary>Writes one non-NULL value of form <paramref name="form"/>.</summary>
    /// <exception cref="InvalidCastException">The bytes are not a value of the type (a hostile or broken server).</exception>
    public static void Write(JsonForm form, PgCodec? codec, ReadOnlySpan<byte> value, Utf8JsonWriter writer)
    {
        try
        {
            switch (form)
            {
                case JsonForm.Bool:
                    writer.WriteBooleanValue(Fixed(value, 1, "bool")[0] != 0);
                    return;
                case JsonForm.Int2:
                    writer.WriteNumberValue(BinaryPrimitives.ReadInt16BigEndian(Fixed(value, 2, "int2")));
                    return;
                case JsonForm.Int4:
                    writer.WriteNumberValue(BinaryPrimitives.ReadInt32BigEndian(Fixed(value, 4, "int4")));
                    return;
                case JsonForm.Int8:
                    writer.WriteNumberValue(BinaryPrimitives.ReadInt64BigEndian(Fixed(value, 8, "int8")));
                    return;
                case JsonForm.Oid:
                    writer.WriteNumberValue(BinaryPrimitives.ReadUInt32BigEndian(Fixed(value, 4, "oid")));
                    return;
                case JsonForm.Float4:
                    // As a float (1.1, not the double 1.100000023841858).
                    var single = BinaryPrimitives.ReadSingleBigEndian(Fixed(value, 4, "float4"));
                    if (float.IsFinite(single)) writer.WriteNumberValue(single);
                    else WriteDouble(single, writer);
                    return;
                case JsonForm.Float8:
                    WriteDouble(BinaryPrimitives.ReadDoubleBigEndian(Fixed(value, 8, "float8")), writer);
                    return;
                case JsonForm.Numeric:
                    WriteNumeric(value, writer);
                    return;
                case JsonForm.Money:
                    writer.WriteNumberValue(MoneyCodec.Instance.Read(value));
                    return;
                case JsonForm.Text:
                    // The writer would put U+FFFD for bytes that are not UTF-8: a wrong value, so they are refused here.
                    if (!System.Text.Unicode.Utf8.IsValid(value)) throw new InvalidCastException("the text is not valid UTF-8");
                    writer.WriteStringValue(value);
                    return;
                case JsonForm.Json:
                    writer.WriteRawValue(((JsonCodec)codec!).Utf8(value));
                    return;
                case JsonForm.TextJson:
                    writer.WriteRawValue(value);
                    return;
                case JsonForm.Uuid:
                    writer.WriteStringValue(new Guid(Fixed(value, 16, "uuid"), bigEndian: true));
                    return;
                case JsonForm.Bytea:
                    writer.WriteBase64StringValue(value);
                    return;
                case JsonForm.Date:
                    WriteDate(BinaryPrimitives.ReadInt32BigEndian(Fixed(value, 4, "date")), writer);
                    return;
                case JsonForm.Timestamp or JsonForm.TimestampTz:
                    WriteTimestamp(BinaryPrimitives.ReadInt64BigEndian(Fixed(value, 8, "timestamp")), form == JsonForm.TimestampTz, writer);
                    return;
                case JsonForm.Time:
                    WriteTime(TimeCodec.Instance.Read(value), writer);
                    return;
                case JsonForm.Array:
                    ((IJsonArray)codec!).WriteJson(value, writer);
                    return;
                case JsonForm.TextNumber:
                    WriteTextNumber(value, writer);
                    return;
                case JsonForm.TextBool:
                    writer.WriteBooleanValue(value.SequenceEqual("t"u8) || value.SequenceEqual("true"u8)
                        || (value.SequenceEqual("f"u8) || value.SequenceEqual("false"u8) ? false : throw new InvalidCastException("a bool in text form is neither t nor f")));
                    return;
                case JsonForm.Hstore:
                    writer.WriteStartObject();
                    foreach (var (key, item) in HstoreCodec.Instance.Read(value))
                    {
                        if (item is null) writer.WriteNull(key);
                        else writer.WriteString(key, item);
                    }
                    writer.WriteEndObject();
                    return;
                default:
                    WriteObject(codec!.ReadAsObject(value), writer);
                    return;
            }
        }
        catch (ArgumentException e)
        {
            // Utf8JsonWriter's complaint about the bytes (text that is not UTF-8, JSON that is not JSON).
            throw new InvalidCastException(e.Message, e);
        }
        catch (JsonException e)
        {
            throw new InvalidCastException(e.Message, e);
        }
    }

    /// <summary>
    /// A value of a type without a form of its own, from its .NET value: numbers and bools as such, composites and other
    /// collections as arrays (dictionaries as objects) of their items, anything else as the string of its value.
    /// </summary>
    private static void WriteObject(object? item, Utf8JsonWriter writer)
    {
        switch (item)
        {
            case null:
                writer.WriteNullValue();
                return;
            case string text:
                writer.WriteStringValue(text);
                return;
            case bool flag:
                writer.WriteBooleanValue(flag);
                return;
            case int or long or short or byte or uint:
                writer.WriteNumberValue(Convert.ToInt64(item, System.Globalization.CultureInfo.InvariantCulture));
                return;
            case decimal number:
                writer.WriteNumberValue(number);
                return;
            case double or float:
                WriteDouble(Convert.ToDouble(item, System.Globalization.CultureInfo.InvariantCulture), writer);
                return;
            case System.Collections.IDictionary dictionary:
                writer.WriteStartObject();
                foreach (System.Collections.DictionaryEntry entry in dictionary)
                {
                    writer.WritePropertyName(Convert.ToString(entry.Key, System.Globalization.CultureInfo.InvariantCulture) ?? "");
                    WriteObject(entry.Value, writer);
                }
                writer.WriteEndObject();
                return;
            case System.Collections.IEnumerable items and not byte[]:
                writer.WriteStartArray();
                foreach (var element in items) WriteObject(element, writer);
                writer.WriteEndArray();
                return;
            case byte[] bytes:
                writer.WriteBase64StringValue(bytes);
                return;
            default:
                writer.WriteStringValue(Convert.ToString(item, System.Globalization.CultureInfo.InvariantCulture));
                return;
        }
    }

    private static ReadOnlySpan<byte> Fixed(ReadOnlySpan<byte> value, int length, string type) =>
        value.Length == length ? value : throw new InvalidCastException($"a {type} value is {length} bytes but the server sent {value.Length}");

    private static void WriteDouble(double value, Utf8JsonWriter writer)
    {
        if (double.IsFinite(value)) writer.WriteNumberValue(value);
        else writer.WriteStringValue(double.IsNaN(value) ? "NaN"u8 : value > 0 ? "Infinity"u8 : "-Infinity"u8);
    }

    private static void WriteNumeric(ReadOnlySpan<byte> value, Utf8JsonWriter writer)
    {
        var length = NumericCodec.TextLength(value);
        var rented = length <= 256 ? null : ArrayPool<byte>.Shared.Rent(length);
        try
        {
            Span<byte> utf8 = rented ?? stackalloc byte[256];
            var text = utf8[..NumericCodec.FormatUtf8(value, utf8)];
            // NaN and the infinities are not JSON numbers: strings, as PostgreSQL's to_json writes them.
            if (text[^1] is >= (byte)'0' and <= (byte)'9') writer.WriteRawValue(text, skipInputValidation: true);
            else writer.WriteStringValue(text);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static void WriteTextNumber(ReadOnlySpan<byte> value, Utf8JsonWriter writer)
    {
        if (value.SequenceEqual("NaN"u8) || value.SequenceEqual("Infinity"u8) || value.SequenceEqual("-Infinity"u8)) writer.WriteStringValue(value);
        else writer.WriteRawValue(value); // validated: a number in text form is a JSON number
    }

    private static void WriteDate(int days, Utf8JsonWriter writer)
    {
        if (days == int.MaxValue) writer.WriteStringValue("infinity"u8);
        else if (days == int.MinValue) writer.WriteStringValue("-infinity"u8);
        else if ((long)PgEpoch.DayNumber + days is var day && day >= DateOnly.MinValue.DayNumber && day <= DateOnly.MaxValue.DayNumber)
        {
            Span<byte> utf8 = stackalloc byte[16];
            DateOnly.FromDayNumber((int)day).TryFormat(utf8, out var written, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            writer.WriteStringValue(utf8[..written]);
        }
        else writer.WriteStringValue(new PgDate(days).ToString()); // before year 1 or after 9999: PostgreSQL's own form
    }

    private static void WriteTimestamp(long micros, bool utc, Utf8JsonWriter writer)
    {
        if (micros == long.MaxValue) writer.WriteStringValue("infinity"u8);
        else if (micros == long.MinValue) writer.WriteStringValue("-infinity"u8);
        else if (micros > (DateTime.MaxValue.Ticks - PgEpoch.Timestamp.Ticks) / TimeSpan.TicksPerMicrosecond
                 || micros < (DateTime.MinValue.Ticks - PgEpoch.Timestamp.Ticks) / TimeSpan.TicksPerMicrosecond)
            writer.WriteStringValue(new PgTimestamp(micros).ToString());
        else writer.WriteStringValue(new DateTime(PgEpoch.Timestamp.Ticks + micros * TimeSpan.TicksPerMicrosecond, utc ? DateTimeKind.Utc : DateTimeKind.Unspecified));
    }

    private static void WriteTime(TimeOnly time, Utf8JsonWriter writer)
    {
        Span<byte> utf8 = stackalloc byte[32];
        time.TryFormat(utf8, out var written, "HH':'mm':'ss.FFFFFF", System.Globalization.CultureInfo.InvariantCulture);
        writer.WriteStringValue(utf8[..written]);
    }
}

/// <summary>An array codec that writes its values as JSON arrays (elements in their own JSON form).</summary>
internal interface IJsonArray
{
    void WriteJson(ReadOnlySpan<byte> value, Utf8JsonWriter writer);
}

using System.Text.Json;
using PgWire.Connection;
using PgWire.Protocol;
using PgWire.Types;

namespace PgWire.Results;

/// <summary>Writes rows as JSON straight from their wire bytes (each value in its type's JSON form: <see cref="JsonForms"/>).</summary>
internal static class JsonRows
{
    /// <summary>
    /// Writes one row: an object or an array of its values. <paramref name="body"/> is the DataRow body and
    /// <paramref name="offsets"/> each column's value offset in it (-1 for NULL).
    /// </summary>
    /// <exception cref="InvalidCastException">A value's bytes are not a value of its type; names the column.</exception>
    public static void WriteRow(RowDescriptionInfo description, ReadOnlySpan<byte> body, ReadOnlySpan<int> offsets, Utf8JsonWriter writer, PgJsonRowFormat format)
    {
        var columns = description.JsonColumns;
        var codecs = description.Codecs;
        var objects = format == PgJsonRowFormat.Objects;
        if (objects) writer.WriteStartObject();
        else writer.WriteStartArray();
        for (var i = 0; i < columns.Length; i++)
        {
            if (objects) writer.WritePropertyName(columns[i].Name);
            WriteValue(description, i, body, offsets[i], writer);
        }
        if (objects) writer.WriteEndObject();
        else writer.WriteEndArray();
    }

    /// <summary>Writes column <paramref name="ordinal"/>'s value (null for SQL NULL).</summary>
    public static void WriteValue(RowDescriptionInfo description, int ordinal, ReadOnlySpan<byte> body, int offset, Utf8JsonWriter writer)
    {
        if (!DataRow.TryGetColumnAt(body, offset, out var value))
        {
            writer.WriteNullValue();
            return;
        }
        try
        {
            JsonForms.Write(description.JsonColumns[ordinal].Form, description.Codecs[ordinal], value, writer);
        }
        catch (InvalidCastException e)
        {
            throw new InvalidCastException(
                $"Column '{description.Fields[ordinal].Name}' (ordinal {ordinal}, PostgreSQL type '{description.Types[ordinal].Name}') cannot be written as JSON: {e.Message}", e);
        }
    }

    /// <summary>Writes a row stored by <see cref="DataRow.Store"/> (the body, then the columns' value offsets).</summary>
    public static void WriteStoredRow(RowDescriptionInfo description, ReadOnlySpan<byte> stored, Utf8JsonWriter writer, PgJsonRowFormat format)
    {
        var bodyLength = stored.Length - description.Count * sizeof(int);
        WriteRow(description, stored[..bodyLength], System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(stored[bodyLength..]), writer, format);
    }

    /// <summary>Writes one column of a row stored by <see cref="DataRow.Store"/>.</summary>
    public static void WriteStoredValue(RowDescriptionInfo description, int ordinal, ReadOnlySpan<byte> stored, Utf8JsonWriter writer)
    {
        var bodyLength = stored.Length - description.Count * sizeof(int);
        var offset = System.Runtime.InteropServices.MemoryMarshal.Read<int>(stored[(bodyLength + ordinal * sizeof(int))..]);
        WriteValue(description, ordinal, stored[..bodyLength], offset, writer);
    }
}

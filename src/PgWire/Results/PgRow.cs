using PgWire.Protocol;
using PgWire.Results;
using PgWire.Types;

namespace PgWire;

/// <summary>
/// One row of a <see cref="PgRowSet"/>: a view, not a copy. Each column is decoded when it is read, every time it is
/// read.
/// </summary>
/// <remarks>Valid until its row set is disposed; after that every member throws <see cref="ObjectDisposedException"/>.</remarks>
public readonly struct PgRow
{
    private readonly PgRowSet _set;
    private readonly byte[] _chunk;
    private readonly int _offset;
    private readonly int _length;
    private readonly int _stamp;

    internal PgRow(PgRowSet set, byte[] chunk, int offset, int length, int stamp)
    {
        _set = set;
        _chunk = chunk;
        _offset = offset;
        _length = length;
        _stamp = stamp;
    }

    /// <summary>The number of columns.</summary>
    public int FieldCount
    {
        get
        {
            Check(Set);
            return _set.Description.Count;
        }
    }

    /// <summary>True when the column's value is SQL NULL.</summary>
    public bool IsNull(int ordinal) => !TryGetValue(Set, ordinal, out _);

    /// <summary>True when the column's value is SQL NULL.</summary>
    public bool IsNull(string name) => IsNull(Set.GetOrdinal(name));

    /// <summary>
    /// Decodes the column as <typeparamref name="T"/>. SQL NULL reads as null for reference types and
    /// <see cref="Nullable{T}"/>, and throws for other value types. <c>Get&lt;object&gt;</c> gives the column's default
    /// CLR type, boxed.
    /// </summary>
    /// <exception cref="InvalidCastException">The column's type cannot be read as <typeparamref name="T"/>, the value is
    /// NULL and <typeparamref name="T"/> cannot hold null, or the value does not fit <typeparamref name="T"/>.</exception>
    /// <exception cref="ObjectDisposedException">The row set was disposed.</exception>
    public T Get<T>(int ordinal)
    {
        var set = Set;
        Check(set);
        var description = set.Description;
        var codecs = description.Codecs;
        if ((uint)ordinal >= (uint)codecs.Length) throw OutOfRange(ordinal, codecs.Length);
        if (!DataRow.TryGetStoredColumn(new ReadOnlySpan<byte>(_chunk, _offset, _length), codecs.Length, ordinal, out var value))
            return ValueDecoder.Null<T>(description, ordinal);
        T result;
        // The common case, kept small enough to inline: the column's codec reads T itself.
        if (codecs[ordinal] is PgCodec<T> typed)
        {
            try
            {
                result = typed.Read(value);
            }
            catch (InvalidCastException e)
            {
                throw ValueDecoder.WithColumn(description, ordinal, typeof(T), e);
            }
            catch (OverflowException e)
            {
                throw ValueDecoder.WithColumn(description, ordinal, typeof(T), e);
            }
        }
        else
        {
            result = ValueDecoder.Read<T>(description, ordinal, value);
        }
        // The set may have been disposed while decoding, and its memory handed to another result: never return that.
        Check(set);
        return result;
    }

    /// <summary>Deserializes a json or jsonb column with System.Text.Json; SQL NULL gives default.</summary>
    /// <param name="ordinal">The column.</param>
    /// <param name="options">Serializer options, or null for the defaults.</param>
    [System.Diagnostics.CodeAnalysis.RequiresUnreferencedCode(Types.JsonReflection.Message)]
    [System.Diagnostics.CodeAnalysis.RequiresDynamicCode(Types.JsonReflection.Message)]
    public T? GetJson<T>(int ordinal, System.Text.Json.JsonSerializerOptions? options = null)
    {
        var set = Set;
        if (!TryGetValue(set, ordinal, out var value)) return default;
        var result = ValueDecoder.ReadJson<T>(set.Description, ordinal, value, options);
        Check(set);
        return result;
    }

    /// <summary>
    /// Deserializes a json or jsonb column with System.Text.Json's source-generated metadata (safe under trimming and
    /// NativeAOT); SQL NULL gives default.
    /// </summary>
    /// <param name="ordinal">The column.</param>
    /// <param name="typeInfo">The type's metadata, from a <see cref="System.Text.Json.Serialization.JsonSerializerContext"/>.</param>
    public T? GetJson<T>(int ordinal, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        var set = Set;
        if (!TryGetValue(set, ordinal, out var value)) return default;
        var result = ValueDecoder.ReadJson(set.Description, ordinal, value, typeInfo);
        Check(set);
        return result;
    }

    /// <summary>
    /// Writes the row as JSON: an object keyed by column name, or (<see cref="PgJsonRowFormat.Arrays"/>) an array of its
    /// values; see <see cref="PgRowSet.WriteJson"/> for the values' forms.
    /// </summary>
    /// <param name="writer">Where the JSON goes.</param>
    /// <param name="format">Objects (the default) or arrays.</param>
    public void WriteJson(System.Text.Json.Utf8JsonWriter writer, PgJsonRowFormat format = PgJsonRowFormat.Objects)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var set = Set;
        Check(set);
        JsonRows.WriteStoredRow(set.Description, new ReadOnlySpan<byte>(_chunk, _offset, _length), writer, format);
        Check(set);
    }

    /// <summary>Writes column <paramref name="ordinal"/>'s value as a JSON value (null for SQL NULL), in its type's JSON form.</summary>
    /// <param name="ordinal">The column.</param>
    /// <param name="writer">Where the JSON goes (after a property name, in an array, or alone).</param>
    public void WriteJsonValue(int ordinal, System.Text.Json.Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var set = Set;
        Check(set);
        var columns = set.Description.Count;
        if ((uint)ordinal >= (uint)columns) throw OutOfRange(ordinal, columns);
        JsonRows.WriteStoredValue(set.Description, ordinal, new ReadOnlySpan<byte>(_chunk, _offset, _length), writer);
        Check(set);
    }

    /// <summary>Decodes the column called <paramref name="name"/> as <typeparamref name="T"/>; see <see cref="Get{T}(int)"/>.</summary>
    public T Get<T>(string name) => Get<T>(Set.GetOrdinal(name));

    private PgRowSet Set => _set ?? throw new InvalidOperationException("This PgRow is default: it belongs to no row set.");

    private void Check(PgRowSet set)
    {
        if (_stamp != set.Stamp) throw PgRowSet.Disposed();
    }

    /// <summary>Finds a column's bytes; false for NULL. The row's layout: see <see cref="DataRow.Store"/>.</summary>
    private bool TryGetValue(PgRowSet set, int ordinal, out ReadOnlySpan<byte> value)
    {
        Check(set);
        var columns = set.Description.Count;
        if ((uint)ordinal >= (uint)columns) throw OutOfRange(ordinal, columns);
        return DataRow.TryGetStoredColumn(new ReadOnlySpan<byte>(_chunk, _offset, _length), columns, ordinal, out value);
    }

    private static IndexOutOfRangeException OutOfRange(int ordinal, int columns) =>
        new($"Column ordinal {ordinal} is out of range: the row has {columns} columns.");
}

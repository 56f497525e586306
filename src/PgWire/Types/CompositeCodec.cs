using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using PgWire.Protocol;

namespace PgWire.Types;

/// <summary>Reads a composite value into a CLR type, for <c>Get&lt;MyRecord&gt;</c>.</summary>
internal interface ICompositeReader
{
    object ReadAs(ReadOnlySpan<byte> value, Type type);
}

/// <summary>
/// Composite types (CREATE TYPE ... AS (...), and table row types): Int32 field count, then per field UInt32 type OID,
/// Int32 length (-1 = NULL) and the field's binary value. Reads as object?[] (the fields in order) or into a class,
/// record or struct; writes from object?[] or from such a CLR value.
/// </summary>
/// <remarks>
/// Fields match CLR members by name (the member's name ignoring case, or in snake_case: StreetName is street_name):
/// constructor parameters first (a positional record), then settable properties and fields. Table row types have no
/// field names loaded, so reading maps them by position onto a constructor and writing is not possible.
/// </remarks>
internal sealed class CompositeCodec(string name, IReadOnlyList<CompositeField>? fields, PgTypeRegistry registry)
    : PgCodec<object?[]>, ICompositeReader
{
    public override object?[] Read(ReadOnlySpan<byte> value)
    {
        var raw = ReadFields(value);
        var result = new object?[raw.Length];
        for (var i = 0; i < raw.Length; i++)
        {
            var (_, codec, offset, length) = raw[i];
            if (length >= 0) result[i] = codec!.ReadAsObject(value.Slice(offset, length));
        }
        return result;
    }

    /// <summary>Each field's codec and where its bytes are (length -1: NULL), checked against the value's length.</summary>
    private (uint Oid, PgCodec? Codec, int Offset, int Length)[] ReadFields(ReadOnlySpan<byte> value)
    {
        if (value.Length < 4) throw new InvalidCastException($"a {name} value is at least 4 bytes");
        var count = BinaryPrimitives.ReadInt32BigEndian(value);
        if (count < 0 || count > (value.Length - 4) / 8) throw new InvalidCastException($"the {name} value declares {count} fields in {value.Length} bytes");
        if (fields is not null && count != fields.Count)
            throw new InvalidCastException($"the {name} value has {count} fields but the type has {fields.Count} (was it altered? the catalog reloads on the next query)");
        var result = new (uint, PgCodec?, int, int)[count];
        var offset = 4;
        for (var i = 0; i < count; i++)
        {
            if (value.Length - offset < 8) throw new InvalidCastException($"field {i} of the {name} value is truncated");
            var oid = BinaryPrimitives.ReadUInt32BigEndian(value[offset..]);
            var length = BinaryPrimitives.ReadInt32BigEndian(value[(offset + 4)..]);
            offset += 8;
            if (length == -1)
            {
                result[i] = (oid, null, offset, -1);
                continue;
            }
            if (length < 0 || length > value.Length - offset) throw new InvalidCastException($"field {i} of the {name} value claims {length} bytes");
            var type = registry.Resolve(oid);
            var codec = type.BinaryCodec
                ?? throw new InvalidCastException($"field {FieldName(i)} of the {name} value has type '{type.Name}', which PgWire cannot decode from binary");
            result[i] = (oid, codec, offset, length);
            offset += length;
        }
        if (offset != value.Length) throw new InvalidCastException($"the {name} value has {value.Length - offset} trailing bytes");
        return result;
    }

    private string FieldName(int i) => fields is not null ? $"'{fields[i].Name}'" : i.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "The caller names the type it reads into.")]
    [UnconditionalSuppressMessage("Trimming", "IL2067",
        Justification = "Composite types are mapped with MapComposite<T>, whose T keeps its constructors and members under trimming (see the README's NativeAOT notes).")]
    public object ReadAs(ReadOnlySpan<byte> value, Type type)
    {
        var raw = ReadFields(value);
        if (!_readPlans.TryGetValue(type, out var plan)) plan = _readPlans.GetOrAdd(type, PlanRead(type));
        if (plan.Fields.Length != raw.Length)
            throw new InvalidCastException($"the {name} value has {raw.Length} fields but {type}'s constructor takes {plan.Fields.Length}");
        var arguments = new object?[plan.Constructor?.GetParameters().Length ?? 0];
        List<(MemberInfo Member, object? Value)>? members = null; // only for fields no constructor parameter takes
        for (var i = 0; i < raw.Length; i++)
        {
            var (target, slot, member) = plan.Fields[i];
            var (_, codec, offset, length) = raw[i];
            object? fieldValue;
            if (length < 0)
            {
                if (target.IsValueType && Nullable.GetUnderlyingType(target) is null)
                    throw new InvalidCastException($"field {FieldName(i)} of {name} is NULL but {type} takes it as {target}");
                fieldValue = null;
            }
            else
            {
                fieldValue = ReadField(codec!, value.Slice(offset, length), target, i, type);
            }
            if (slot >= 0) arguments[slot] = fieldValue;
            else (members ??= []).Add((member!, fieldValue));
        }
        var result = plan.Constructor is null ? Activator.CreateInstance(type)! : plan.Constructor.Invoke(arguments);
        if (members is not null)
        {
            foreach (var (member, fieldValue) in members)
            {
                if (member is PropertyInfo property) property.SetValue(result, fieldValue);
                else ((FieldInfo)member).SetValue(result, fieldValue);
            }
        }
        return result;
    }

    private object? ReadField(PgCodec codec, ReadOnlySpan<byte> value, Type target, int index, Type type)
    {
        var underlying = Nullable.GetUnderlyingType(target) ?? target;
        if (CodecReaders.For(codec, underlying) is { } reader) return reader(codec, value);
        // Widening and similar conversions (an int4 field into a long member, ...).
        var field = codec.ReadAsObject(value);
        try
        {
            return ValueConversion.To(field, underlying);
        }
        catch (Exception e) when (e is InvalidCastException or FormatException or OverflowException)
        {
            throw new InvalidCastException($"field {FieldName(index)} of {name} is a {field.GetType()}, which {type} cannot take as {target}", e);
        }
    }

    /// <summary>How to build a CLR type from this composite's fields: per field, its target type and where it goes.</summary>
    /// <remarks>Constructor is null for a struct built with its default constructor.</remarks>
    private sealed record ReadPlan(ConstructorInfo? Constructor, (Type Target, int Slot, MemberInfo? Member)[] Fields);

    private readonly ConcurrentDictionary<Type, ReadPlan> _readPlans = new();

    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "The caller names the type it reads into.")]
    private ReadPlan PlanRead(Type type)
    {
        var constructors = type.GetConstructors(BindingFlags.Public | BindingFlags.Instance);
        if (fields is null)
        {
            // No field names (a table row type): by position, onto a constructor with one parameter per field.
            var positional = constructors.FirstOrDefault(c => c.GetParameters().Length > 0)
                ?? throw new InvalidCastException($"{type} has no public constructor taking the fields of {name} in order");
            return new ReadPlan(positional, [.. positional.GetParameters().Select((p, i) => (p.ParameterType, i, (MemberInfo?)null))]);
        }
        // The constructor whose parameters all name fields, the one naming most; a parameterless one takes nothing.
        var constructor = constructors
            .Where(c => c.GetParameters().All(p => FieldIndex(p.Name!) >= 0))
            .OrderByDescending(c => c.GetParameters().Length)
            .FirstOrDefault()
            ?? (type.IsValueType ? null : throw new InvalidCastException(
                $"{type} has no public constructor whose parameters all name fields of {name} ({string.Join(", ", fields.Select(f => f.Name))})"));
        var plan = new (Type, int, MemberInfo?)[fields.Count];
        var filled = new bool[fields.Count];
        if (constructor is not null)
        {
            var parameters = constructor.GetParameters();
            for (var p = 0; p < parameters.Length; p++)
            {
                var field = FieldIndex(parameters[p].Name!);
                plan[field] = (parameters[p].ParameterType, p, null);
                filled[field] = true;
            }
        }
        for (var i = 0; i < fields.Count; i++)
        {
            if (filled[i]) continue;
            var member = FindMember(type, fields[i].Name, writable: true)
                ?? throw new InvalidCastException($"field '{fields[i].Name}' of {name} matches no constructor parameter or settable member of {type}");
            plan[i] = (member is PropertyInfo property ? property.PropertyType : ((FieldInfo)member).FieldType, -1, member);
        }
        return new ReadPlan(constructor, plan);
    }

    private int FieldIndex(string memberName)
    {
        for (var i = 0; i < fields!.Count; i++)
            if (NameMatches(fields[i].Name, memberName)) return i;
        return -1;
    }

    private static bool NameMatches(string fieldName, string memberName) => MemberNames.Matches(fieldName, memberName);

    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "The caller names the type it reads or writes.")]
    private static MemberInfo? FindMember(Type type, string fieldName, bool writable)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || !NameMatches(fieldName, property.Name)) continue;
            if (writable ? property.SetMethod is { IsPublic: true } : property.GetMethod is { IsPublic: true }) return property;
        }
        foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Instance))
            if (NameMatches(fieldName, field.Name) && (!writable || !field.IsInitOnly)) return field;
        return null;
    }

    public override void Write(object?[] value, IBufferWriter<byte> writer) => WriteFields(value, value.GetType(), writer);

    /// <summary>
    /// object?[] (the fields in order) or a CLR value whose readable members name every field. Table row types cannot
    /// be written: their field types are not loaded.
    /// </summary>
    public override bool CanWrite(object value) =>
        fields is not null && (value is object?[] || (!value.GetType().IsPrimitive && value is not (string or System.Collections.IEnumerable)));

    public override bool TryWriteObject(object value, IBufferWriter<byte> writer)
    {
        if (!CanWrite(value)) return false;
        if (value is object?[] positional)
        {
            WriteFields(positional, value.GetType(), writer);
            return true;
        }
        if (!_writePlans.TryGetValue(value.GetType(), out var members)) members = _writePlans.GetOrAdd(value.GetType(), PlanWrite(value.GetType()));
        var values = new object?[members.Length];
        for (var i = 0; i < members.Length; i++)
            values[i] = members[i] is PropertyInfo property ? property.GetValue(value) : ((FieldInfo)members[i]).GetValue(value);
        WriteFields(values, value.GetType(), writer);
        return true;
    }

    private readonly ConcurrentDictionary<Type, MemberInfo[]> _writePlans = new();

    private MemberInfo[] PlanWrite(Type type) =>
        [.. fields!.Select(f => FindMember(type, f.Name, writable: false)
            ?? throw new ArgumentException($"{type} has no public readable member for field '{f.Name}' of {name}; every field needs one (name, or snake_case name)."))];

    private void WriteFields(object?[] values, Type source, IBufferWriter<byte> writer)
    {
        var known = fields ?? throw new NotSupportedException($"{name} is a table's row type, whose fields PgWire does not load; it cannot be written.");
        if (values.Length != known.Count)
            throw new ArgumentException($"{name} has {known.Count} fields but {values.Length} values were given.");
        BinaryPrimitives.WriteInt32BigEndian(writer.GetSpan(4), known.Count);
        writer.Advance(4);
        for (var i = 0; i < known.Count; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(writer.GetSpan(4), known[i].TypeOid);
            writer.Advance(4);
            var item = values[i];
            if (item is null or DBNull)
            {
                BinaryPrimitives.WriteInt32BigEndian(writer.GetSpan(4), -1);
                writer.Advance(4);
                continue;
            }
            var type = registry.Resolve(known[i].TypeOid);
            var codec = type.BinaryCodec
                ?? throw new ArgumentException($"Field '{known[i].Name}' of {name} has type '{type.Name}', which PgWire cannot write.");
            if (!codec.CanWrite(item)) item = ConvertForWrite(item, codec, known[i], type.Name, source);
            LengthPrefixed.Write(codec, item, writer);
        }
    }

    private object ConvertForWrite(object item, PgCodec codec, CompositeField field, string typeName, Type source)
    {
        try
        {
            var converted = ValueConversion.To(item, codec.DefaultClrType);
            if (codec.CanWrite(converted)) return converted;
        }
        catch (Exception e) when (e is InvalidCastException or FormatException or OverflowException)
        {
            throw new ArgumentException($"Field '{field.Name}' of {name} is {typeName}; {source}'s {item.GetType()} value cannot be written as it: {e.Message}", e);
        }
        throw new ArgumentException($"Field '{field.Name}' of {name} is {typeName}; {source}'s {item.GetType()} value cannot be written as it.");
    }
}

/// <summary>Writes one value with its Int32 length in front (arrays, composites): patched in place when the writer allows.</summary>
internal static class LengthPrefixed
{
    public static void Write(PgCodec codec, object value, IBufferWriter<byte> writer)
    {
        if (writer is ILengthPrefixWriter patchable)
        {
            var at = patchable.ReserveInt32();
            if (!codec.TryWriteObject(value, writer)) throw Refused(value);
            patchable.PatchInt32(at, patchable.WrittenCount - at - 4);
            return;
        }
        var scratch = new ArrayBufferWriter<byte>();
        if (!codec.TryWriteObject(value, scratch)) throw Refused(value);
        BinaryPrimitives.WriteInt32BigEndian(writer.GetSpan(4), scratch.WrittenCount);
        writer.Advance(4);
        writer.Write(scratch.WrittenSpan);
    }

    private static InvalidCastException Refused(object value) => new($"a {value.GetType()} cannot be written here");
}

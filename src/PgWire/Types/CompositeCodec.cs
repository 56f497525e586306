using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace PgWire.Types;

/// <summary>Reads a composite value into a CLR type, for <c>Get&lt;MyRecord&gt;</c>.</summary>
internal interface ICompositeReader
{
    object ReadAs(ReadOnlySpan<byte> value, Type type);
}

/// <summary>
/// Composite types (CREATE TYPE ... AS (...), and table row types): Int32 field count, then per field UInt32 type OID,
/// Int32 length (-1 = NULL) and the field's binary value. Reads as object?[] (the fields in order), or into a class or
/// record whose public constructor takes one parameter per field, in the same order (a positional record is exactly
/// that). Fields decode with the codec of their own type, composites within composites included.
/// </summary>
internal sealed class CompositeCodec(string name, PgTypeRegistry registry) : PgCodec<object?[]>, ICompositeReader
{
    public override object?[] Read(ReadOnlySpan<byte> value)
    {
        if (value.Length < 4) throw new InvalidCastException($"a {name} value is at least 4 bytes");
        var count = BinaryPrimitives.ReadInt32BigEndian(value);
        if (count < 0 || count > (value.Length - 4) / 8) throw new InvalidCastException($"the {name} value declares {count} fields in {value.Length} bytes");
        var fields = new object?[count];
        var offset = 4;
        for (var i = 0; i < count; i++)
        {
            if (value.Length - offset < 8) throw new InvalidCastException($"field {i} of the {name} value is truncated");
            var oid = BinaryPrimitives.ReadUInt32BigEndian(value[offset..]);
            var length = BinaryPrimitives.ReadInt32BigEndian(value[(offset + 4)..]);
            offset += 8;
            if (length == -1) continue;
            if (length < 0 || length > value.Length - offset) throw new InvalidCastException($"field {i} of the {name} value claims {length} bytes");
            var type = registry.Resolve(oid);
            var codec = type.BinaryCodec
                ?? throw new InvalidCastException($"field {i} of the {name} value has type '{type.Name}', which PgWire cannot decode from binary");
            fields[i] = codec.ReadAsObject(value.Slice(offset, length));
            offset += length;
        }
        if (offset != value.Length) throw new InvalidCastException($"the {name} value has {value.Length - offset} trailing bytes");
        return fields;
    }

    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "The caller names the type it reads into.")]
    public object ReadAs(ReadOnlySpan<byte> value, Type type) => Construct(Read(value), type);

    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "The caller names the type it reads into.")]
    private object Construct(object?[] fields, Type type)
    {
        var constructor = type.GetConstructors(BindingFlags.Public | BindingFlags.Instance)
            .FirstOrDefault(c => c.GetParameters().Length == fields.Length)
            ?? throw new InvalidCastException(
                $"{type} has no public constructor taking {fields.Length} parameters, one per field of {name}, in order");
        var parameters = constructor.GetParameters();
        var arguments = new object?[fields.Length];
        for (var i = 0; i < fields.Length; i++)
        {
            var target = parameters[i].ParameterType;
            var field = fields[i];
            if (field is null)
            {
                if (target.IsValueType && Nullable.GetUnderlyingType(target) is null)
                    throw new InvalidCastException($"field {i} of {name} is NULL but {type}'s parameter '{parameters[i].Name}' is a {target}");
                continue;
            }
            var underlying = Nullable.GetUnderlyingType(target) ?? target;
            arguments[i] = underlying.IsInstanceOfType(field) ? field
                : field is object?[] nested && !underlying.IsArray ? Construct(nested, underlying)
                : ConvertField(field, underlying, i, type);
        }
        return constructor.Invoke(arguments);
    }

    private object ConvertField(object field, Type target, int index, Type type)
    {
        try
        {
            return Convert.ChangeType(field, target, System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is InvalidCastException or FormatException or OverflowException)
        {
            throw new InvalidCastException($"field {index} of {name} is a {field.GetType()}, which {type}'s constructor cannot take as {target}", e);
        }
    }

    public override void Write(object?[] value, IBufferWriter<byte> writer) =>
        throw new NotSupportedException($"Writing {name} values is not supported yet; send a ROW(...) expression with the fields as parameters.");

    public override bool CanWrite(object value) => false;

    public override bool TryWriteObject(object value, IBufferWriter<byte> writer) => false;
}

using System.Data;
using PgWire.Protocol;

namespace PgWire.Types;

/// <summary>
/// Parameter binding, in one place: turning a caller's value (with an explicit PostgreSQL type name or
/// <see cref="DbType"/>, or none) into what the wire takes; inferring each value's PostgreSQL type and codec; giving a
/// value left for the server to type the codec of the type the server chose; and writing the Bind message, values
/// held unboxed included. Parameters are named in messages by a label the caller gives ("$1", "'name'").
/// </summary>
internal static class ParameterBinder
{
    /// <summary>
    /// A value whose PostgreSQL type the caller named: a <see cref="TypedValue"/> converted for a built-in type, or
    /// one left to be looked up in the server's catalog when the statement is sent (an enum, a composite, an
    /// extension's type, "unknown").
    /// </summary>
    public static TypedValue WithTypeName(object value, string typeName, ParameterLabel label)
    {
        if (string.Equals(typeName, "unknown", StringComparison.OrdinalIgnoreCase) || !BuiltInTypes.TryFindByName(typeName, out var oid, out var codec))
            return new TypedValue(value, 0, null, typeName);
        return new TypedValue(ConvertFor(codec, value, label, typeName), oid, codec);
    }

    /// <summary>A value sent as the PostgreSQL type a <see cref="DbType"/> maps to (as Npgsql 6 and later map it).</summary>
    public static TypedValue WithDbType(object value, DbType dbType, ParameterLabel label)
    {
        var (typeName, clrType) = MapDbType(dbType, label);
        if (!BuiltInTypes.TryFindByName(typeName, out var oid, out var codec))
            throw new System.Diagnostics.UnreachableException($"BUG: DbType {dbType} maps to unknown type {typeName}.");
        return new TypedValue(ConvertFor(codec, ConvertTo(value, clrType, label, typeName), label, typeName), oid, codec);
    }

    /// <summary>
    /// A value without a named type, checked before anything is sent: a stream is read (bytea), a CLR type PgWire
    /// cannot send at all is a <see cref="NotSupportedException"/> now; the PostgreSQL type is inferred when sent.
    /// </summary>
    public static object Untyped(object value, ParameterLabel label)
    {
        if (value is Stream stream) return ByteaCodec.ReadToEnd(stream);
        if (!BuiltInTypes.TryInferParameter(value, out _, out _) && value is not System.Collections.IList && !ServerTypedCodec.CanDefer(value))
            throw Unsupported(value, label);
        return value;
    }

    /// <summary>Turns <see cref="PgTypedValue"/> parameters into values of their named type (checked before anything is sent).</summary>
    public static IReadOnlyList<object?> ResolveTyped(IReadOnlyList<object?> parameters)
    {
        object?[]? resolved = null;
        for (var i = 0; i < parameters.Count; i++)
        {
            if (parameters[i] is not PgTypedValue typed) continue;
            resolved ??= [.. parameters];
            resolved[i] = typed.Value is null or DBNull ? null
                : typed.DataTypeName is null ? Untyped(typed.Value, new ParameterLabel(null, i))
                : WithTypeName(typed.Value, typed.DataTypeName, new ParameterLabel(null, i));
        }
        return resolved ?? parameters;
    }

    /// <summary>The exception for a value of a CLR type PgWire has no PostgreSQL type for.</summary>
    private static NotSupportedException Unsupported(object value, ParameterLabel label) => new(
        $"Parameter {label} holds a {value.GetType()}, which PgWire cannot send. Supported: bool, short, int, long, uint, float, double, decimal, string, char, byte[], Guid, DateOnly, DateTime, DateTimeOffset, TimeOnly, TimeSpan, PgDate, PgTimestamp, PgInterval, IPAddress, IPNetwork, PgInet, PhysicalAddress, Stream, BitArray, PgRange<T>, enums, objects for composite types, arrays and lists of these, or null/DBNull (README: Types; a user-defined type needs MapEnum or MapComposite, or a type name).");

    /// <summary>
    /// Fills in every parameter's type and codec; returns the index of the first whose type the catalog lacks (the
    /// caller reloads it and asks again), or -1.
    /// </summary>
    public static int Infer(PgTypeRegistry registry, IReadOnlyList<object?> parameters, uint[] types, PgCodec?[] codecs)
    {
        for (var i = 0; i < parameters.Count; i++)
        {
            var value = parameters[i];
            if (value is null or DBNull)
            {
                types[i] = PgTypeOids.Unspecified;
                codecs[i] = null;
            }
            else if (value is IUnboxedValue unboxed)
            {
                types[i] = unboxed.Oid;
                codecs[i] = unboxed.Codec;
                RequireOnServer(registry, types[i], value, i);
            }
            else if (value is TypedValue typed)
            {
                if (typed.Codec is not null)
                {
                    types[i] = typed.Oid;
                    codecs[i] = typed.Codec;
                }
                else if (!TryNamedType(registry, typed, i, out types[i], out codecs[i]))
                {
                    return i;
                }
            }
            else if (BuiltInTypes.TryInferParameter(value, out var oid, out var codec))
            {
                types[i] = oid;
                codecs[i] = codec;
                RequireOnServer(registry, oid, value, i);
            }
            else if (registry.InferMapped(value, out var missing) is { } mapped)
            {
                (types[i], codecs[i]) = mapped;
            }
            else if (missing is not null)
            {
                return i;
            }
            else if (ServerTypedCodec.CanDefer(value))
            {
                types[i] = PgTypeOids.Unspecified;
                codecs[i] = ServerTypedCodec.Instance;
            }
            else
            {
                throw Unsupported(value, new ParameterLabel(null, i));
            }
        }
        return -1;
    }

    /// <summary>
    /// Refuses a value inferred as a built-in type the server is too old to have (multiranges, PostgreSQL 14), before
    /// anything is sent: the server itself would answer with an internal error ("cache lookup failed for type 4536").
    /// </summary>
    private static void RequireOnServer(PgTypeRegistry registry, uint oid, object value, int index)
    {
        if (!BuiltInTypes.IsMultirange(oid) || registry.ServerHas(oid)) return;
        var type = value is IUnboxedValue ? value.GetType().GetGenericArguments().FirstOrDefault() ?? value.GetType() : value.GetType();
        throw new ArgumentException(
            $"Parameter ${index + 1} is a {type}, sent as {BuiltInTypes.ByOid[oid].Name}, which this server does not have: multirange types arrived in PostgreSQL 14.",
            "parameters");
    }

    /// <summary>The exception for parameter <paramref name="index"/> when, with the catalog reloaded, its type is still missing.</summary>
    public static ArgumentException MissingType(PgTypeRegistry registry, object value, int index) => new(value is TypedValue typed
        ? $"Parameter ${index + 1} names PostgreSQL type '{typed.TypeName}', which the database does not have."
        : $"Parameter ${index + 1} is a {value.GetType()}, mapped to a PostgreSQL type the database does not have ({registry.InferMappedName(value)}).",
        "parameters");

    /// <summary>A value whose type was named but is not built in: "unknown" (the server decides), or a type of the catalog.</summary>
    private static bool TryNamedType(PgTypeRegistry registry, TypedValue typed, int index, out uint oid, out PgCodec? codec)
    {
        if (string.Equals(typed.TypeName, "unknown", StringComparison.OrdinalIgnoreCase))
        {
            oid = PgTypeOids.Unspecified;
            codec = ServerTypedCodec.Instance;
            return true;
        }
        if (!registry.TryFindInCatalog(typed.TypeName!, out oid, out codec)) return false;
        if (codec is not null && codec.CanWrite(typed.Value)) return true;
        // A type without a binary codec (an extension's, a user-defined range...) takes a string in its text form.
        if (typed.Value is string)
        {
            codec = TextFormatCodec.Instance;
            return true;
        }
        throw new InvalidCastException(codec is null
            ? $"Parameter ${index + 1} names PostgreSQL type '{typed.TypeName}', which PgWire has no binary form for; give its value as a string in the type's text form."
            : $"Parameter ${index + 1} holds a {typed.Value.GetType()}, which cannot be sent as PostgreSQL type '{typed.TypeName}'.");
    }

    /// <summary>
    /// Parameters left for the server to type (<see cref="ServerTypedCodec"/>): now that the statement is described,
    /// each gets the codec of the type the server chose (<paramref name="serverTypes"/>, from ParameterDescription), or
    /// text format for a string or enum label it has no binary form for. A value that type cannot take is an exception
    /// here, before the request is written.
    /// </summary>
    public static void ResolveServerTyped(PgTypeRegistry registry, ReadOnlySpan<uint> serverTypes, IReadOnlyList<object?> parameters, Span<PgCodec?> codecs)
    {
        for (var i = 0; i < codecs.Length; i++)
        {
            if (!ReferenceEquals(codecs[i], ServerTypedCodec.Instance)) continue;
            var value = parameters[i] is TypedValue typed ? typed.Value : parameters[i]!;
            var type = registry.Resolve(i < serverTypes.Length ? serverTypes[i] : PgTypeOids.Unspecified);
            if (type.BinaryCodec is { } codec && codec.CanWrite(value)) codecs[i] = codec;
            else if (TextFormatCodec.Instance.CanWrite(value)) codecs[i] = TextFormatCodec.Instance;
            else
                throw new ArgumentException(
                    $"Parameter ${i + 1} is a {value.GetType()}, but the statement takes it as '{type.Name}', which PgWire cannot write from a {value.GetType().Name}.",
                    nameof(parameters));
        }
    }

    /// <summary>Bind for the unnamed portal: parameters binary (text for <see cref="TextFormatCodec"/>), results in <paramref name="resultFormats"/>.</summary>
    public static void WriteBind(MessageBuffer output, string statementName, IReadOnlyList<object?> parameters, ReadOnlySpan<PgCodec?> codecs, FormatCode[] resultFormats)
    {
        var anyText = false;
        foreach (var codec in codecs) anyText |= ReferenceEquals(codec, TextFormatCodec.Instance);
        int at;
        if (anyText)
        {
            var formats = codecs.Length <= 256 ? stackalloc FormatCode[codecs.Length] : new FormatCode[codecs.Length];
            for (var i = 0; i < codecs.Length; i++) formats[i] = ReferenceEquals(codecs[i], TextFormatCodec.Instance) ? FormatCode.Text : FormatCode.Binary;
            at = FrontendMessages.StartBind(output, "", statementName, parameters.Count, formats);
        }
        else
        {
            at = FrontendMessages.StartBind(output, "", statementName, parameters.Count);
        }
        for (var i = 0; i < codecs.Length; i++)
        {
            var codec = codecs[i];
            if (codec is null)
            {
                FrontendMessages.WriteBindNull(output);
                continue;
            }
            var lengthAt = FrontendMessages.BeginBindValue(output);
            // A value held unboxed is written from its field when its own codec was chosen; else boxed once here.
            var value = parameters[i] switch
            {
                TypedValue typed => typed.Value,
                IUnboxedValue unboxed when ReferenceEquals(codec, unboxed.Codec) => unboxed,
                IUnboxedValue unboxed => unboxed.Box(),
                var plain => plain!,
            };
            try
            {
                if (value is IUnboxedValue direct) direct.Write(output);
                else if (!codec.TryWriteObject(value, output))
                    throw new System.Diagnostics.UnreachableException($"BUG: the codec chosen for parameter ${i + 1} refused its value.");
            }
            catch (System.Text.EncoderFallbackException e)
            {
                throw new ArgumentException(
                    $"Parameter ${i + 1} holds text that is not valid UTF-16 (a lone surrogate at index {e.Index}), which PostgreSQL cannot store.", nameof(parameters), e);
            }
            FrontendMessages.EndBindValue(output, lengthAt);
        }
        FrontendMessages.EndBind(output, at, resultFormats);
    }

    private static object ConvertFor(PgCodec codec, object value, ParameterLabel label, string typeName) =>
        codec.CanWrite(value) ? value : ConvertTo(value, codec.DefaultClrType, label, typeName);

    private static object ConvertTo(object value, Type target, ParameterLabel label, string typeName)
    {
        try
        {
            return ValueConversion.To(value, target);
        }
        catch (Exception e) when (e is InvalidCastException or FormatException or OverflowException or ArgumentException)
        {
            throw new InvalidCastException(
                $"Parameter {label} holds a {value.GetType()}, which cannot be sent as PostgreSQL type '{typeName}': {e.Message}", e);
        }
    }

    /// <summary>The PostgreSQL type and CLR type a <see cref="DbType"/> is sent as.</summary>
    private static (string TypeName, Type ClrType) MapDbType(DbType dbType, ParameterLabel label) => dbType switch
    {
        DbType.AnsiString or DbType.String or DbType.AnsiStringFixedLength or DbType.StringFixedLength or DbType.Xml => ("text", typeof(string)),
        DbType.Binary => ("bytea", typeof(byte[])),
        DbType.Boolean => ("bool", typeof(bool)),
        DbType.Byte or DbType.SByte or DbType.Int16 => ("int2", typeof(short)),
        DbType.UInt16 or DbType.Int32 => ("int4", typeof(int)),
        DbType.UInt32 or DbType.Int64 => ("int8", typeof(long)),
        DbType.UInt64 or DbType.Decimal or DbType.Currency or DbType.VarNumeric => ("numeric", typeof(decimal)),
        DbType.Single => ("float4", typeof(float)),
        DbType.Double => ("float8", typeof(double)),
        DbType.Date => ("date", typeof(DateOnly)),
        DbType.DateTime or DbType.DateTimeOffset => ("timestamptz", dbType == DbType.DateTime ? typeof(DateTime) : typeof(DateTimeOffset)),
        DbType.DateTime2 => ("timestamp", typeof(DateTime)),
        DbType.Guid => ("uuid", typeof(Guid)),
        DbType.Time => ("time", typeof(TimeSpan)),
        _ => throw new NotSupportedException($"Parameter {label} has DbType {(int)dbType}, which is not a DbType member."),
    };
}

/// <summary>
/// How a message names a parameter: by its name (<c>'id'</c>) when it has one, else by its position (<c>$1</c>).
/// Formatted only when a message needs it.
/// </summary>
internal readonly record struct ParameterLabel(string? Name, int Position)
{
    /// <inheritdoc />
    public override string ToString() => Name is { Length: > 0 } ? $"'{Name}'" : $"${Position + 1}";
}

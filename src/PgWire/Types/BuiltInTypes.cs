namespace PgWire.Types;

/// <summary>
/// The PostgreSQL types PgWire knows without a catalog: built-in OIDs with their names and codecs, their arrays,
/// ranges and multiranges; finding one by name (for DataTypeName and DbType); and inferring the type a parameter
/// value is sent as from its CLR type.
/// </summary>
internal static class BuiltInTypes
{
    public static readonly Dictionary<uint, PgTypeInfo> ByOid = new()
    {
        [PgTypeOids.Bool] = new(PgTypeOids.Bool, "boolean", BoolCodec.Instance),
        [PgTypeOids.Bytea] = new(PgTypeOids.Bytea, "bytea", ByteaCodec.Instance),
        [PgTypeOids.Name] = new(PgTypeOids.Name, "name", TextCodec.Instance),
        [PgTypeOids.Int8] = new(PgTypeOids.Int8, "bigint", Int8Codec.Instance),
        [PgTypeOids.Int2] = new(PgTypeOids.Int2, "smallint", Int2Codec.Instance),
        [PgTypeOids.Int4] = new(PgTypeOids.Int4, "integer", Int4Codec.Instance),
        [PgTypeOids.Text] = new(PgTypeOids.Text, "text", TextCodec.Instance),
        [PgTypeOids.Json] = new(PgTypeOids.Json, "json", JsonCodec.Json),
        [PgTypeOids.Float4] = new(PgTypeOids.Float4, "real", Float4Codec.Instance),
        [PgTypeOids.Float8] = new(PgTypeOids.Float8, "double precision", Float8Codec.Instance),
        [PgTypeOids.Unknown] = new(PgTypeOids.Unknown, "unknown", TextCodec.Instance),
        [PgTypeOids.Bpchar] = new(PgTypeOids.Bpchar, "character", TextCodec.Instance),
        [PgTypeOids.Varchar] = new(PgTypeOids.Varchar, "character varying", TextCodec.Instance),
        [PgTypeOids.Date] = new(PgTypeOids.Date, "date", DateCodec.Instance),
        [PgTypeOids.Timestamp] = new(PgTypeOids.Timestamp, "timestamp without time zone", TimestampCodec.Instance),
        [PgTypeOids.TimestampTz] = new(PgTypeOids.TimestampTz, "timestamp with time zone", TimestampTzCodec.Instance),
        [PgTypeOids.Numeric] = new(PgTypeOids.Numeric, "numeric", NumericCodec.Instance),
        [PgTypeOids.Uuid] = new(PgTypeOids.Uuid, "uuid", UuidCodec.Instance),
        [PgTypeOids.Jsonb] = new(PgTypeOids.Jsonb, "jsonb", JsonCodec.Jsonb),
        [PgTypeOids.Char] = new(PgTypeOids.Char, "\"char\"", InternalCharCodec.Instance),
        [PgTypeOids.Oid] = new(PgTypeOids.Oid, "oid", OidCodec.Instance),
        [PgTypeOids.Xid] = new(PgTypeOids.Xid, "xid", OidCodec.Instance),
        [PgTypeOids.Cid] = new(PgTypeOids.Cid, "cid", OidCodec.Instance),
        [PgTypeOids.RegProc] = new(PgTypeOids.RegProc, "regproc", OidCodec.Instance),
        [PgTypeOids.RegClass] = new(PgTypeOids.RegClass, "regclass", OidCodec.Instance),
        [PgTypeOids.RegType] = new(PgTypeOids.RegType, "regtype", OidCodec.Instance),
        [PgTypeOids.RegNamespace] = new(PgTypeOids.RegNamespace, "regnamespace", OidCodec.Instance),
        [PgTypeOids.RegRole] = new(PgTypeOids.RegRole, "regrole", OidCodec.Instance),
        [PgTypeOids.Xml] = new(PgTypeOids.Xml, "xml", TextCodec.Instance),
        [PgTypeOids.Money] = new(PgTypeOids.Money, "money", MoneyCodec.Instance),
        [PgTypeOids.Time] = new(PgTypeOids.Time, "time without time zone", TimeCodec.Instance),
        [PgTypeOids.TimeTz] = new(PgTypeOids.TimeTz, "time with time zone", TimeTzCodec.Instance),
        [PgTypeOids.Interval] = new(PgTypeOids.Interval, "interval", IntervalCodec.Instance),
        [PgTypeOids.Inet] = new(PgTypeOids.Inet, "inet", InetCodec.Instance),
        [PgTypeOids.Cidr] = new(PgTypeOids.Cidr, "cidr", CidrCodec.Instance),
        [PgTypeOids.MacAddr] = new(PgTypeOids.MacAddr, "macaddr", MacAddressCodec.MacAddr),
        [PgTypeOids.MacAddr8] = new(PgTypeOids.MacAddr8, "macaddr8", MacAddressCodec.MacAddr8),
        [PgTypeOids.Bit] = new(PgTypeOids.Bit, "bit", BitCodec.Instance),
        [PgTypeOids.VarBit] = new(PgTypeOids.VarBit, "bit varying", BitCodec.Instance),
    };

    /// <summary>Array type OID and element type OID of every built-in array type PgWire reads and writes (from pg_type.dat).</summary>
    private static readonly (uint Array, uint Element)[] s_arrayTypes =
    [
        (1000, PgTypeOids.Bool), (1001, PgTypeOids.Bytea), (1002, PgTypeOids.Char), (1003, PgTypeOids.Name),
        (1005, PgTypeOids.Int2), (1007, PgTypeOids.Int4), (1016, PgTypeOids.Int8), (1009, PgTypeOids.Text),
        (1014, PgTypeOids.Bpchar), (1015, PgTypeOids.Varchar), (1021, PgTypeOids.Float4), (1022, PgTypeOids.Float8),
        (1231, PgTypeOids.Numeric), (2951, PgTypeOids.Uuid), (1182, PgTypeOids.Date), (1183, PgTypeOids.Time),
        (1270, PgTypeOids.TimeTz), (1115, PgTypeOids.Timestamp), (1185, PgTypeOids.TimestampTz), (1187, PgTypeOids.Interval),
        (199, PgTypeOids.Json), (3807, PgTypeOids.Jsonb), (1028, PgTypeOids.Oid), (1041, PgTypeOids.Inet),
        (651, PgTypeOids.Cidr), (1040, PgTypeOids.MacAddr), (775, PgTypeOids.MacAddr8), (791, PgTypeOids.Money),
        (143, PgTypeOids.Xml), (1561, PgTypeOids.Bit), (1563, PgTypeOids.VarBit), (1010, PgTypeOids.Xid),
        (2211, PgTypeOids.RegType), (2210, PgTypeOids.RegClass),
        // Arrays of the built-in ranges (int4range[] ...), by their range OIDs below.
        (3905, 3904), (3927, 3926), (3907, 3906), (3913, 3912), (3909, 3908), (3911, 3910),
    ];

    /// <summary>The OID of the built-in array type of <paramref name="elementOid"/>.</summary>
    private static uint ArrayOidOf(uint elementOid)
    {
        foreach (var (array, element) in s_arrayTypes)
            if (element == elementOid) return array;
        throw new System.Diagnostics.UnreachableException($"BUG: no built-in array type of OID {elementOid}.");
    }

    /// <summary>For parameters: the array type a CLR element type is sent as.</summary>
    private static readonly Dictionary<Type, (uint Oid, PgCodec Codec)> s_arrayByElement = [];

    /// <summary>Range type OID, multirange type OID, subtype OID of the built-in ranges.</summary>
    private static readonly (uint Range, uint Multirange, uint Subtype, string Name)[] s_rangeTypes =
    [
        (3904, 4451, PgTypeOids.Int4, "int4range"), (3926, 4536, PgTypeOids.Int8, "int8range"),
        (3906, 4532, PgTypeOids.Numeric, "numrange"), (3912, 4535, PgTypeOids.Date, "daterange"),
        (3908, 4533, PgTypeOids.Timestamp, "tsrange"), (3910, 4534, PgTypeOids.TimestampTz, "tstzrange"),
    ];

    /// <summary>Whether <paramref name="oid"/> is a built-in multirange (PostgreSQL 14 and later only).</summary>
    public static bool IsMultirange(uint oid) => oid is 4451 or 4536 or 4532 or 4535 or 4533 or 4534;

    static BuiltInTypes()
    {
        foreach (var (rangeOid, multirangeOid, subtypeOid, name) in s_rangeTypes)
        {
            var subtype = ByOid[subtypeOid].BinaryCodec!;
            var range = ContainerCodecs.Range(subtype, name) ?? throw new System.Diagnostics.UnreachableException($"BUG: no range codec over {subtype.DefaultClrType}.");
            var multirange = range.MakeMultirangeCodec(name.Replace("range", "multirange", StringComparison.Ordinal))!;
            ByOid[rangeOid] = new PgTypeInfo(rangeOid, name, range);
            ByOid[multirangeOid] = new PgTypeInfo(multirangeOid, name.Replace("range", "multirange", StringComparison.Ordinal), multirange);
        }
        foreach (var (arrayOid, elementOid) in s_arrayTypes)
        {
            var element = ByOid[elementOid];
            var codec = CreateArrayCodec(elementOid, element.Name, element.BinaryCodec!);
            ByOid[arrayOid] = new PgTypeInfo(arrayOid, element.Name + "[]", codec);
        }
        // Parameters: each CLR element type goes as the array of the type its single values are inferred as.
        foreach (var (clrType, elementOid) in new (Type, uint)[]
        {
            (typeof(bool), PgTypeOids.Bool), (typeof(short), PgTypeOids.Int2), (typeof(int), PgTypeOids.Int4),
            (typeof(long), PgTypeOids.Int8), (typeof(float), PgTypeOids.Float4), (typeof(double), PgTypeOids.Float8),
            (typeof(decimal), PgTypeOids.Numeric), (typeof(string), PgTypeOids.Text), (typeof(byte[]), PgTypeOids.Bytea),
            (typeof(Guid), PgTypeOids.Uuid), (typeof(DateOnly), PgTypeOids.Date), (typeof(TimeOnly), PgTypeOids.Time),
            (typeof(DateTimeOffset), PgTypeOids.TimestampTz), (typeof(TimeSpan), PgTypeOids.Interval),
            (typeof(PgInterval), PgTypeOids.Interval), (typeof(PgDate), PgTypeOids.Date), (typeof(PgTimestamp), PgTypeOids.Timestamp), (typeof(uint), PgTypeOids.Oid), (typeof(System.Net.IPAddress), PgTypeOids.Inet),
            (typeof(System.Net.IPNetwork), PgTypeOids.Cidr),
        })
        {
            var arrayOid = ArrayOidOf(elementOid);
            s_arrayByElement[clrType] = (arrayOid, ByOid[arrayOid].BinaryCodec!);
        }
    }

    public static PgCodec CreateArrayCodec(uint elementOid, string elementName, PgCodec element) =>
        element.MakeArrayCodec(elementOid, elementName)
        ?? throw new System.Diagnostics.UnreachableException($"BUG: the codec of {elementName} makes no array codec.");

    /// <summary>A PgRange&lt;T&gt; goes as the range of T; an array of them as the multirange (DateTime: by the bounds' Kind).</summary>
    private static (uint, PgCodec)? InferRange(object value)
    {
        var type = value.GetType();
        var multirange = type.IsArray && type.GetArrayRank() == 1;
        if (multirange) type = type.GetElementType()!;
        if (!type.IsGenericType || type.GetGenericTypeDefinition() != typeof(PgRange<>)) return null;
        var subtype = type.GetGenericArguments()[0];
        uint subtypeOid;
        if (subtype == typeof(DateTime))
        {
            var utc = false;
            foreach (var range in multirange ? (PgRange<DateTime>[])value : [(PgRange<DateTime>)value])
                if (range.LowerBound.Kind == DateTimeKind.Utc || range.UpperBound.Kind == DateTimeKind.Utc) utc = true;
            subtypeOid = utc ? PgTypeOids.TimestampTz : PgTypeOids.Timestamp;
        }
        else if (!s_rangeSubtypes.TryGetValue(subtype, out subtypeOid)) return null;
        foreach (var (rangeOid, multirangeOid, rangeSubtype, _) in s_rangeTypes)
        {
            if (rangeSubtype != subtypeOid) continue;
            var oid = multirange ? multirangeOid : rangeOid;
            return (oid, ByOid[oid].BinaryCodec!);
        }
        return null;
    }

    private static readonly Dictionary<Type, uint> s_rangeSubtypes = new()
    {
        [typeof(int)] = PgTypeOids.Int4, [typeof(long)] = PgTypeOids.Int8, [typeof(decimal)] = PgTypeOids.Numeric,
        [typeof(DateOnly)] = PgTypeOids.Date,
    };

    /// <summary>The array type an array or list parameter goes as, from its element type (DateTime: by the elements' Kind).</summary>
    private static (uint, PgCodec)? InferArray(System.Collections.IList list)
    {
        var elementType = ArrayCodec<object>.ElementTypeOf(list);
        if (elementType is null) return null;
        elementType = Nullable.GetUnderlyingType(elementType) ?? elementType;
        if (elementType == typeof(DateTime))
        {
            var utc = false;
            foreach (var item in list)
                if (item is DateTime { Kind: DateTimeKind.Utc }) utc = true;
            var oid = ArrayOidOf(utc ? PgTypeOids.TimestampTz : PgTypeOids.Timestamp);
            return (oid, ByOid[oid].BinaryCodec!);
        }
        return s_arrayByElement.TryGetValue(elementType, out var found) ? found : null;
    }

    /// <summary>
    /// The built-in type called <paramref name="name"/> (its pg_type name or format_type name, e.g. <c>int4</c> or
    /// <c>integer</c>) when PgWire can send it.
    /// </summary>
    public static bool TryFindByName(string name, out uint oid, out PgCodec codec)
    {
        if (name.EndsWith("[]", StringComparison.Ordinal) && TryFindByName(name[..^2], out var elementOid, out _))
        {
            foreach (var (arrayOid, element) in s_arrayTypes)
            {
                if (element != elementOid) continue;
                oid = arrayOid;
                codec = ByOid[arrayOid].BinaryCodec!;
                return true;
            }
        }
        foreach (var (typeOid, info) in ByOid)
        {
            if (info.BinaryCodec is null) continue;
            if (info.Name.Equals(name, StringComparison.OrdinalIgnoreCase) || ShortName(typeOid).Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                oid = typeOid;
                codec = info.BinaryCodec;
                return true;
            }
        }
        oid = 0;
        codec = null!;
        return false;
    }

    private static string ShortName(uint oid) => oid switch
    {
        PgTypeOids.Bool => "bool",
        PgTypeOids.Int2 => "int2",
        PgTypeOids.Int4 => "int4",
        PgTypeOids.Int8 => "int8",
        PgTypeOids.Float4 => "float4",
        PgTypeOids.Float8 => "float8",
        PgTypeOids.Varchar => "varchar",
        PgTypeOids.Bpchar => "bpchar",
        PgTypeOids.Timestamp => "timestamp",
        PgTypeOids.TimestampTz => "timestamptz",
        PgTypeOids.Time => "time",
        PgTypeOids.TimeTz => "timetz",
        PgTypeOids.VarBit => "varbit",
        PgTypeOids.Char => "char",
        _ => "",
    };

    /// <summary>
    /// The PostgreSQL type a parameter value is sent as, inferred from its CLR type: the OID and the codec that writes
    /// it. False for a CLR type PgWire cannot send.
    /// </summary>
    public static bool TryInferParameter(object value, out uint oid, out PgCodec codec)
    {
        (oid, codec) = value switch
        {
            bool => (PgTypeOids.Bool, (PgCodec)BoolCodec.Instance),
            short => (PgTypeOids.Int2, Int2Codec.Instance),
            int => (PgTypeOids.Int4, Int4Codec.Instance),
            long => (PgTypeOids.Int8, Int8Codec.Instance),
            float => (PgTypeOids.Float4, Float4Codec.Instance),
            double => (PgTypeOids.Float8, Float8Codec.Instance),
            decimal => (PgTypeOids.Numeric, NumericCodec.Instance),
            string or char => (PgTypeOids.Text, TextCodec.Instance),
            byte[] or ReadOnlyMemory<byte> or Memory<byte> or Stream => (PgTypeOids.Bytea, ByteaCodec.Instance),
            Guid => (PgTypeOids.Uuid, UuidCodec.Instance),
            DateOnly or PgDate => (PgTypeOids.Date, DateCodec.Instance),
            PgTimestamp => (PgTypeOids.Timestamp, TimestampCodec.Instance),
            DateTime { Kind: DateTimeKind.Utc } => (PgTypeOids.TimestampTz, TimestampTzCodec.Instance),
            DateTime => (PgTypeOids.Timestamp, TimestampCodec.Instance),
            DateTimeOffset => (PgTypeOids.TimestampTz, TimestampTzCodec.Instance),
            uint => (PgTypeOids.Oid, OidCodec.Instance),
            System.Text.Json.JsonDocument or System.Text.Json.JsonElement or PgJson => (PgTypeOids.Jsonb, JsonCodec.Jsonb),
            TimeOnly => (PgTypeOids.Time, TimeCodec.Instance),
            TimeSpan or PgInterval => (PgTypeOids.Interval, IntervalCodec.Instance),
            System.Net.IPAddress or PgInet => (PgTypeOids.Inet, InetCodec.Instance),
            System.Net.IPNetwork => (PgTypeOids.Cidr, CidrCodec.Instance),
            System.Net.NetworkInformation.PhysicalAddress { } mac when mac.GetAddressBytes().Length == 8 => (PgTypeOids.MacAddr8, MacAddressCodec.MacAddr8),
            System.Net.NetworkInformation.PhysicalAddress => (PgTypeOids.MacAddr, MacAddressCodec.MacAddr),
            System.Collections.BitArray => (PgTypeOids.VarBit, BitCodec.Instance),
            _ when InferRange(value) is { } range => range,
            System.Collections.IList list when InferArray(list) is { } array => array,
            _ => (0u, null!),
        };
        return codec is not null;
    }
}

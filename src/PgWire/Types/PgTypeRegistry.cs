namespace PgWire.Types;

/// <summary>A PostgreSQL type as the driver knows it: OID, name and, when it has one, the binary codec.</summary>
internal sealed record PgTypeInfo(uint Oid, string Name, PgCodec? BinaryCodec);

/// <summary>A field of a composite type, from pg_attribute.</summary>
internal sealed record CompositeField(string Name, uint TypeOid);

/// <summary>
/// A type from the server's pg_type catalog: its format_type name, its typtype (b base, c composite, d domain, e enum,
/// p pseudo, r range, m multirange), the base type of a domain or the element of an array (else 0), and the fields of a
/// standalone composite type.
/// </summary>
internal sealed class CatalogType(string name, char kind, uint related)
{
    public string Name { get; } = name;

    public char Kind { get; } = kind;

    public uint Related { get; } = related;

    public List<CompositeField>? Fields { get; set; }
}

/// <summary>
/// A data source's OID &lt;-&gt; CLR map: the built-in types (<see cref="BuiltInTypes"/>), and the types of the server's
/// pg_type catalog, loaded once per data source (extensions' types by name, enums, domains, composites, arrays of
/// them), with the CLR types mapped to them (MapEnum, MapComposite). A type without a binary codec is requested in
/// text form and read as a string.
/// </summary>
internal sealed class PgTypeRegistry
{
    private volatile Catalog _catalog = new(new Dictionary<uint, CatalogType>());

    private readonly System.Collections.Concurrent.ConcurrentDictionary<uint, byte> _missing = new();

    /// <summary>CLR types mapped to a PostgreSQL type by name (MapEnum, MapComposite).</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Type, string> _mappings = new();

    /// <summary>True once the server's catalog has been loaded.</summary>
    public bool HasCatalog { get; private set; }

    /// <summary>Set when a column had a type the catalog did not know (created after it was loaded): reload before the next query.</summary>
    public bool CatalogIsStale { get; set; }

    /// <summary>Whether the server's catalog (once loaded) has a type with <paramref name="oid"/>; true before it is loaded.</summary>
    public bool ServerHas(uint oid) => !HasCatalog || _catalog.Types.ContainsKey(oid);

    /// <summary>Replaces what is known from the server's pg_type catalog.</summary>
    public void LoadCatalog(Dictionary<uint, CatalogType> types)
    {
        _catalog = new Catalog(types);
        HasCatalog = true;
        CatalogIsStale = false;
    }

    /// <summary>
    /// Sends <paramref name="clrType"/> (and arrays and lists of it) as the PostgreSQL type named <paramref name="typeName"/>.
    /// Called while the data source is built, before any type is resolved.
    /// </summary>
    public void Map(Type clrType, string typeName) => _mappings[clrType] = typeName;

    /// <summary>
    /// Maps an enum: <paramref name="codec"/> makes its codec (made by the caller, who knows the enum type statically,
    /// so no generic type is built at run time).
    /// </summary>
    public void MapEnum(Type clrType, string typeName, Func<PgCodec> codec)
    {
        Map(clrType, typeName);
        _enumCodecs[clrType] = codec;
    }

    private readonly Dictionary<Type, Func<PgCodec>> _enumCodecs = [];

    /// <summary>The .NET enum mapped to the catalog's enum type <paramref name="oid"/>, if any.</summary>
    private Type? MappedEnumType(uint oid)
    {
        foreach (var (clrType, name) in _mappings)
            if (clrType.IsEnum && _catalog.TryFindByName(name, out var mapped) && mapped == oid) return clrType;
        return null;
    }

    /// <summary>The type for an OID; unknown OIDs get a name from the catalog, or "unknown type (OID n)", and no codec.</summary>
    public PgTypeInfo Resolve(uint oid) => Resolve(oid, 0);

    private PgTypeInfo Resolve(uint oid, int depth)
    {
        if (BuiltInTypes.ByOid.TryGetValue(oid, out var info)) return info;
        var catalog = _catalog;
        if (catalog.Resolved.TryGetValue(oid, out info)) return info;
        if (!catalog.Types.TryGetValue(oid, out var type))
        {
            // A type the catalog does not know was probably created after it was loaded: ask for one reload per such type.
            if (_missing.TryAdd(oid, 0)) CatalogIsStale = true;
            return new PgTypeInfo(oid, $"unknown type (OID {oid})", null);
        }
        info = new PgTypeInfo(oid, type.Name, depth > 8 ? null : CreateCodec(oid, type, depth));
        return catalog.Resolved.GetOrAdd(oid, info);
    }

    /// <summary>
    /// The codec of a type known only from the catalog: extension types by name (their OIDs differ per database),
    /// enums, domains (their base type's), composites, and arrays of any of those.
    /// </summary>
    private PgCodec? CreateCodec(uint oid, CatalogType type, int depth)
    {
        var unqualified = type.Name[(type.Name.LastIndexOf('.') + 1)..];
        if (unqualified == "citext") return TextCodec.Instance;
        if (unqualified == "hstore") return HstoreCodec.Instance;
        switch (type.Kind)
        {
            case 'e':
                return MappedEnumType(oid) is { } clrType && _enumCodecs.TryGetValue(clrType, out var enumCodec)
                    ? enumCodec()
                    : EnumCodec.Instance;
            case 'd':
                return Resolve(type.Related, depth + 1).BinaryCodec;
            case 'c':
                return new CompositeCodec(type.Name, type.Fields, this);
            default:
                if (type.Related == 0) return null;
                var element = Resolve(type.Related, depth + 1);
                return element.BinaryCodec?.MakeArrayCodec(type.Related, element.Name);
        }
    }

    /// <summary>
    /// The type a value of a mapped CLR type (or an array or list of one) is sent as. Null when the value's type is not
    /// mapped; <paramref name="missing"/> names the PostgreSQL type when it is mapped but the catalog does not have it.
    /// </summary>
    public (uint Oid, PgCodec Codec)? InferMapped(object value, out string? missing)
    {
        missing = null;
        if (_mappings.IsEmpty) return null;
        var type = value.GetType();
        var isArray = false;
        if (!_mappings.TryGetValue(type, out var name))
        {
            if (value is not System.Collections.IList || ArrayCodec<object>.ElementTypeOf(value) is not { } elementType) return null;
            elementType = Nullable.GetUnderlyingType(elementType) ?? elementType;
            if (!_mappings.TryGetValue(elementType, out name)) return null;
            isArray = true;
        }
        var catalog = _catalog;
        if (!catalog.TryFindByName(name, out var oid) || (isArray && !catalog.ArrayOf.TryGetValue(oid, out oid)))
        {
            missing = isArray ? name + "[]" : name;
            return null;
        }
        return Resolve(oid).BinaryCodec is { } codec ? (oid, codec) : null;
    }

    /// <summary>The PostgreSQL type name a mapped CLR value (or array of one) goes as, for messages.</summary>
    public string? InferMappedName(object value)
    {
        if (_mappings.TryGetValue(value.GetType(), out var name)) return name;
        return ArrayCodec<object>.ElementTypeOf(value) is { } element && _mappings.TryGetValue(Nullable.GetUnderlyingType(element) ?? element, out name) ? name + "[]" : null;
    }

    /// <summary>A type of the server's catalog by name (as format_type prints it, with or without its schema), for DataTypeName.</summary>
    public bool TryFindInCatalog(string name, out uint oid, out PgCodec? codec)
    {
        var catalog = _catalog;
        var array = name.EndsWith("[]", StringComparison.Ordinal);
        if (catalog.TryFindByName(array ? name[..^2] : name, out oid) && (!array || catalog.ArrayOf.TryGetValue(oid, out oid)))
        {
            codec = Resolve(oid).BinaryCodec;
            return true;
        }
        codec = null;
        return false;
    }

    /// <summary>One load of the catalog, with the indexes built from it and the types resolved from it so far.</summary>
    private sealed class Catalog
    {
        public Catalog(Dictionary<uint, CatalogType> types)
        {
            Types = types;
            foreach (var (oid, type) in types)
            {
                ByName.TryAdd(type.Name, oid);
                if (type.Kind != 'd' && type.Related != 0 && type.Fields is null) ArrayOf.TryAdd(type.Related, oid);
            }
        }

        public Dictionary<uint, CatalogType> Types { get; }

        public Dictionary<string, uint> ByName { get; } = new(StringComparer.Ordinal);

        /// <summary>Element type OID to array type OID.</summary>
        public Dictionary<uint, uint> ArrayOf { get; } = [];

        public System.Collections.Concurrent.ConcurrentDictionary<uint, PgTypeInfo> Resolved { get; } = new();

        public bool TryFindByName(string name, out uint oid)
        {
            if (ByName.TryGetValue(name, out oid)) return true;
            // "public.mood" for a type format_type prints as "mood" (visible on the search path), and the reverse.
            var dot = name.LastIndexOf('.');
            if (dot > 0 && ByName.TryGetValue(name[(dot + 1)..], out oid)) return true;
            foreach (var (typeName, typeOid) in ByName)
            {
                if (typeName.EndsWith("." + name, StringComparison.Ordinal))
                {
                    oid = typeOid;
                    return true;
                }
            }
            return false;
        }
    }
}

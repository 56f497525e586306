namespace PgWire.Protocol;

/// <summary>The authentication request kinds of an Authentication ('R') message.</summary>
internal enum AuthenticationKind
{
    Ok = 0,
    KerberosV5 = 2,
    CleartextPassword = 3,
    Md5Password = 5,
    Gss = 7,
    GssContinue = 8,
    Sspi = 9,
    Sasl = 10,
    SaslContinue = 11,
    SaslFinal = 12,
}

/// <summary>An Authentication ('R') message: Int32 kind, then kind-specific data.</summary>
internal readonly ref struct Authentication
{
    public AuthenticationKind Kind { get; }

    /// <summary>The data after the kind: the 4-byte salt for MD5, mechanism names for SASL, SASL data otherwise.</summary>
    public ReadOnlySpan<byte> Data { get; }

    private Authentication(AuthenticationKind kind, ReadOnlySpan<byte> data)
    {
        Kind = kind;
        Data = data;
    }

    public static Authentication Parse(ReadOnlySpan<byte> body)
    {
        var reader = new PgSpanReader(body, "Authentication");
        var kind = (AuthenticationKind)reader.ReadInt32();
        var data = reader.ReadToEnd();
        if (kind == AuthenticationKind.Md5Password && data.Length != 4)
            throw new PgWireProtocolException($"AuthenticationMD5Password carries a {data.Length}-byte salt; the protocol says 4.");
        if (kind is AuthenticationKind.Ok or AuthenticationKind.CleartextPassword && data.Length != 0)
            throw new PgWireProtocolException($"Authentication message of kind {kind} has {data.Length} unexpected bytes.");
        return new Authentication(kind, data);
    }

    /// <summary>Reads the mechanism names of an AuthenticationSASL message: NUL-terminated strings, then an empty one.</summary>
    public List<string> ReadSaslMechanisms()
    {
        var reader = new PgSpanReader(Data, "AuthenticationSASL");
        var names = new List<string>();
        while (true)
        {
            var name = reader.ReadCString();
            if (name.Length == 0) break;
            names.Add(name);
        }
        reader.ExpectEnd();
        return names;
    }
}

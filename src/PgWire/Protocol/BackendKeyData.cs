namespace PgWire.Protocol;

/// <summary>BackendKeyData ('K'): Int32 process id, Int32 secret key (protocol 3.0).</summary>
internal readonly record struct BackendKeyData(int ProcessId, int SecretKey)
{
    public static BackendKeyData Parse(ReadOnlySpan<byte> body)
    {
        var reader = new PgSpanReader(body, "BackendKeyData");
        var data = new BackendKeyData(reader.ReadInt32(), reader.ReadInt32());
        reader.ExpectEnd();
        return data;
    }

    /// <summary>Hides the secret key, which authorizes cancelling this session's queries.</summary>
    public override string ToString() => $"BackendKeyData {{ ProcessId = {ProcessId} }}";
}

namespace PgWire.Protocol;

/// <summary>
/// BackendKeyData ('K'): Int32 process id, then the secret key a CancelRequest must repeat: exactly 4 bytes in protocol
/// 3.0, 4 to 256 bytes from 3.2 (PostgreSQL 18 sends 32), its length given by the message's.
/// </summary>
internal readonly record struct BackendKeyData(int ProcessId, byte[] SecretKey)
{
    /// <summary>The longest secret key the protocol allows.</summary>
    public const int MaxKeyLength = 256;

    /// <param name="body">The message body.</param>
    /// <param name="protocolMinor">The protocol minor version the session speaks (0 or 2).</param>
    public static BackendKeyData Parse(ReadOnlySpan<byte> body, int protocolMinor)
    {
        var reader = new PgSpanReader(body, "BackendKeyData");
        var processId = reader.ReadInt32();
        var keyLength = reader.Remaining;
        if (protocolMinor == 0 && keyLength != 4)
            throw new PgWireProtocolException($"BackendKeyData has a secret key of {keyLength} bytes; protocol 3.0 has 4-byte keys.");
        if (keyLength is < 4 or > MaxKeyLength)
            throw new PgWireProtocolException($"BackendKeyData has a secret key of {keyLength} bytes; protocol 3.{protocolMinor} allows 4 to {MaxKeyLength}.");
        return new BackendKeyData(processId, reader.ReadToEnd().ToArray());
    }

    /// <summary>Hides the secret key, which authorizes cancelling this session's queries.</summary>
    public override string ToString() => $"BackendKeyData {{ ProcessId = {ProcessId}, key of {SecretKey?.Length ?? 0} bytes }}";
}

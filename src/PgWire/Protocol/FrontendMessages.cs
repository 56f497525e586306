namespace PgWire.Protocol;

/// <summary>Writers for the frontend (client to server) messages. Each appends one whole message to the buffer.</summary>
internal static class FrontendMessages
{
    public const int CancelRequestCode = 80877102;

    /// <summary>The protocol version number of 3.<paramref name="minor"/> as the StartupMessage carries it (major in the high 16 bits).</summary>
    public static int ProtocolVersion(int minor) => (3 << 16) | minor;

    /// <summary>StartupMessage: Int32 length, Int32 protocol version (3.<paramref name="minor"/>), then (String name, String value) pairs, then a zero byte.</summary>
    public static void WriteStartup(MessageBuffer buffer, int minor, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var at = buffer.StartUntypedMessage();
        buffer.WriteInt32(ProtocolVersion(minor));
        foreach (var (name, value) in parameters)
        {
            buffer.WriteCString(name, "startup parameter name");
            buffer.WriteCString(value, $"startup parameter '{name}'");
        }
        buffer.WriteByte(0);
        buffer.EndMessage(at);
    }

    /// <summary>CancelRequest: Int32 length, Int32 80877102, Int32 process id, then the secret key (4 bytes in protocol 3.0, up to 256 from 3.2).</summary>
    public static void WriteCancelRequest(MessageBuffer buffer, int processId, ReadOnlySpan<byte> secretKey)
    {
        var at = buffer.StartUntypedMessage();
        buffer.WriteInt32(CancelRequestCode);
        buffer.WriteInt32(processId);
        buffer.WriteBytes(secretKey);
        buffer.EndMessage(at);
    }

    /// <summary>PasswordMessage ('p'): String password (cleartext or the MD5 hash text).</summary>
    public static void WritePassword(MessageBuffer buffer, ReadOnlySpan<byte> passwordUtf8)
    {
        var at = buffer.StartMessage((byte)'p');
        buffer.WriteCString(passwordUtf8);
        buffer.EndMessage(at);
    }

    /// <summary>SASLInitialResponse ('p'): String mechanism, Int32 data length (-1 = none), data.</summary>
    public static void WriteSaslInitialResponse(MessageBuffer buffer, string mechanism, ReadOnlySpan<byte> data)
    {
        var at = buffer.StartMessage((byte)'p');
        buffer.WriteCString(mechanism, "SASL mechanism");
        buffer.WriteInt32(data.Length);
        buffer.WriteBytes(data);
        buffer.EndMessage(at);
    }

    /// <summary>SASLResponse ('p'): the SASL data, the whole body.</summary>
    public static void WriteSaslResponse(MessageBuffer buffer, ReadOnlySpan<byte> data)
    {
        var at = buffer.StartMessage((byte)'p');
        buffer.WriteBytes(data);
        buffer.EndMessage(at);
    }

    /// <summary>Query ('Q'): String query text (the simple query protocol; may hold several statements).</summary>
    public static void WriteQuery(MessageBuffer buffer, string sql)
    {
        var at = buffer.StartMessage((byte)'Q');
        buffer.WriteCString(sql, "query text");
        buffer.EndMessage(at);
    }

    /// <summary>CopyDone ('c'): no body; the end of COPY FROM STDIN data.</summary>
    public static void WriteCopyDone(MessageBuffer buffer) => buffer.EndMessage(buffer.StartMessage((byte)'c'));

    /// <summary>CopyFail ('f'): String reason; the server aborts COPY FROM STDIN with an error carrying it.</summary>
    public static void WriteCopyFail(MessageBuffer buffer, string reason)
    {
        var at = buffer.StartMessage((byte)'f');
        buffer.WriteCString(reason, "COPY failure reason");
        buffer.EndMessage(at);
    }

    /// <summary>Starts CopyData ('d'): Byte[n] data of any length; returns the position <see cref="MessageBuffer.EndMessage"/> needs.</summary>
    public static int StartCopyData(MessageBuffer buffer) => buffer.StartMessage((byte)'d');

    /// <summary>Parse ('P'): String statement name, String query, Int16 type count, Int32 type OID each (0 = unspecified).</summary>
    public static void WriteParse(MessageBuffer buffer, string statementName, string sql, ReadOnlySpan<uint> parameterTypes)
    {
        if (parameterTypes.Length > short.MaxValue)
            throw new ArgumentException($"A statement can have at most {short.MaxValue} parameters; this one has {parameterTypes.Length}.");
        var at = buffer.StartMessage((byte)'P');
        buffer.WriteCString(statementName, "statement name");
        buffer.WriteCString(sql, "query text");
        buffer.WriteInt16((short)parameterTypes.Length);
        foreach (var oid in parameterTypes) buffer.WriteInt32(unchecked((int)oid));
        buffer.EndMessage(at);
    }

    /// <summary>
    /// Starts a Bind ('B'): String portal, String statement, the parameter format codes (Int16 1 + Int16 1, every
    /// parameter binary, when <paramref name="parameterFormats"/> is empty; else Int16 count and one Int16 each), Int16
    /// parameter count. The caller then writes each value with <see cref="BeginBindValue"/>/<see cref="EndBindValue"/>
    /// (Int32 length, -1 = NULL, then bytes) and finishes with <see cref="EndBind"/>.
    /// </summary>
    public static int StartBind(MessageBuffer buffer, string portal, string statementName, int parameterCount, ReadOnlySpan<FormatCode> parameterFormats = default)
    {
        if (parameterCount > short.MaxValue)
            throw new ArgumentException($"A statement can have at most {short.MaxValue} parameters; this one has {parameterCount}.");
        var at = buffer.StartMessage((byte)'B');
        buffer.WriteCString(portal, "portal name");
        buffer.WriteCString(statementName, "statement name");
        if (!parameterFormats.IsEmpty)
        {
            buffer.WriteInt16((short)parameterFormats.Length);
            foreach (var format in parameterFormats) buffer.WriteInt16((short)format);
        }
        else if (parameterCount > 0)
        {
            buffer.WriteInt16(1);
            buffer.WriteInt16((short)FormatCode.Binary);
        }
        else
        {
            buffer.WriteInt16(0);
        }
        buffer.WriteInt16((short)parameterCount);
        return at;
    }

    /// <summary>Writes a NULL parameter value: Int32 -1.</summary>
    public static void WriteBindNull(MessageBuffer buffer) => buffer.WriteInt32(-1);

    /// <summary>Reserves a parameter value's Int32 length; returns where it goes.</summary>
    public static int BeginBindValue(MessageBuffer buffer) => buffer.ReserveInt32();

    /// <summary>Patches the length of the value begun at <paramref name="lengthAt"/>.</summary>
    public static void EndBindValue(MessageBuffer buffer, int lengthAt) =>
        buffer.PatchInt32(lengthAt, buffer.WrittenCount - lengthAt - 4);

    /// <summary>
    /// Ends a Bind: Int16 result format count, Int16 each. An empty list asks for text everywhere; a single entry
    /// applies to every column.
    /// </summary>
    public static void EndBind(MessageBuffer buffer, int messageAt, ReadOnlySpan<FormatCode> resultFormats)
    {
        buffer.WriteInt16((short)resultFormats.Length);
        foreach (var format in resultFormats) buffer.WriteInt16((short)format);
        buffer.EndMessage(messageAt);
    }

    /// <summary>Describe ('D'): Byte1 'S' (statement) or 'P' (portal), String name.</summary>
    public static void WriteDescribe(MessageBuffer buffer, bool portal, string name)
    {
        var at = buffer.StartMessage((byte)'D');
        buffer.WriteByte(portal ? (byte)'P' : (byte)'S');
        buffer.WriteCString(name, "statement name");
        buffer.EndMessage(at);
    }

    /// <summary>Close ('C'): Byte1 'S' (statement) or 'P' (portal), String name. Closing a name that does not exist is not an error.</summary>
    public static void WriteClose(MessageBuffer buffer, bool portal, string name)
    {
        var at = buffer.StartMessage((byte)'C');
        buffer.WriteByte(portal ? (byte)'P' : (byte)'S');
        buffer.WriteCString(name, "statement name");
        buffer.EndMessage(at);
    }

    /// <summary>Execute ('E'): String portal, Int32 maximum rows (0 = no limit).</summary>
    public static void WriteExecute(MessageBuffer buffer, string portal, int maxRows)
    {
        var at = buffer.StartMessage((byte)'E');
        buffer.WriteCString(portal, "portal name");
        buffer.WriteInt32(maxRows);
        buffer.EndMessage(at);
    }

    /// <summary>Sync ('S'): no body.</summary>
    public static void WriteSync(MessageBuffer buffer) => buffer.EndMessage(buffer.StartMessage((byte)'S'));

    /// <summary>Flush ('H'): no body.</summary>
    public static void WriteFlush(MessageBuffer buffer) => buffer.EndMessage(buffer.StartMessage((byte)'H'));

    /// <summary>Terminate ('X'): no body.</summary>
    public static void WriteTerminate(MessageBuffer buffer) => buffer.EndMessage(buffer.StartMessage((byte)'X'));
}

namespace PgWire.Protocol;

/// <summary>The type bytes of the backend (server to client) messages PgWire understands.</summary>
internal static class BackendMessageCode
{
    public const byte Authentication = (byte)'R';
    public const byte BackendKeyData = (byte)'K';
    public const byte BindComplete = (byte)'2';
    public const byte CloseComplete = (byte)'3';
    public const byte CommandComplete = (byte)'C';
    public const byte CopyInResponse = (byte)'G';
    public const byte CopyOutResponse = (byte)'H';
    public const byte CopyBothResponse = (byte)'W';
    public const byte CopyData = (byte)'d';
    public const byte CopyDone = (byte)'c';
    public const byte DataRow = (byte)'D';
    public const byte EmptyQueryResponse = (byte)'I';
    public const byte ErrorResponse = (byte)'E';
    public const byte NegotiateProtocolVersion = (byte)'v';
    public const byte NoData = (byte)'n';
    public const byte NoticeResponse = (byte)'N';
    public const byte NotificationResponse = (byte)'A';
    public const byte ParameterDescription = (byte)'t';
    public const byte ParameterStatus = (byte)'S';
    public const byte ParseComplete = (byte)'1';
    public const byte PortalSuspended = (byte)'s';
    public const byte ReadyForQuery = (byte)'Z';
    public const byte RowDescription = (byte)'T';

    /// <summary>A printable name for a message code, for error messages.</summary>
    public static string Describe(byte code) => code switch
    {
        Authentication => "Authentication ('R')",
        BackendKeyData => "BackendKeyData ('K')",
        BindComplete => "BindComplete ('2')",
        CloseComplete => "CloseComplete ('3')",
        CommandComplete => "CommandComplete ('C')",
        CopyInResponse => "CopyInResponse ('G')",
        CopyOutResponse => "CopyOutResponse ('H')",
        CopyBothResponse => "CopyBothResponse ('W')",
        CopyData => "CopyData ('d')",
        CopyDone => "CopyDone ('c')",
        DataRow => "DataRow ('D')",
        EmptyQueryResponse => "EmptyQueryResponse ('I')",
        ErrorResponse => "ErrorResponse ('E')",
        NegotiateProtocolVersion => "NegotiateProtocolVersion ('v')",
        NoData => "NoData ('n')",
        NoticeResponse => "NoticeResponse ('N')",
        NotificationResponse => "NotificationResponse ('A')",
        ParameterDescription => "ParameterDescription ('t')",
        ParameterStatus => "ParameterStatus ('S')",
        ParseComplete => "ParseComplete ('1')",
        PortalSuspended => "PortalSuspended ('s')",
        ReadyForQuery => "ReadyForQuery ('Z')",
        RowDescription => "RowDescription ('T')",
        _ => code is >= 0x20 and < 0x7F ? $"unknown message ('{(char)code}')" : $"unknown message (0x{code:X2})",
    };
}

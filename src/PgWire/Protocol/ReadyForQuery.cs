namespace PgWire.Protocol;

/// <summary>The transaction status a ReadyForQuery message reports.</summary>
internal enum TransactionStatus : byte
{
    /// <summary>Not in a transaction block ('I').</summary>
    Idle = (byte)'I',

    /// <summary>In a transaction block ('T').</summary>
    InTransaction = (byte)'T',

    /// <summary>In a failed transaction block; queries are rejected until it ends ('E').</summary>
    Failed = (byte)'E',
}

/// <summary>ReadyForQuery ('Z'): Byte1 transaction status.</summary>
internal static class ReadyForQuery
{
    public static TransactionStatus Parse(ReadOnlySpan<byte> body)
    {
        if (body.Length != 1)
            throw new PgWireProtocolException($"ReadyForQuery message has a {body.Length}-byte body; the protocol says 1.");
        return body[0] switch
        {
            (byte)'I' => TransactionStatus.Idle,
            (byte)'T' => TransactionStatus.InTransaction,
            (byte)'E' => TransactionStatus.Failed,
            var other => throw new PgWireProtocolException($"ReadyForQuery reports an unknown transaction status 0x{other:X2}."),
        };
    }
}

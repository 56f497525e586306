using System.Buffers.Text;

namespace PgWire.Protocol;

/// <summary>CommandComplete ('C'): String command tag, e.g. "INSERT 0 5", "UPDATE 3", "SELECT 10", "CREATE TABLE".</summary>
internal static class CommandComplete
{
    /// <summary>The number of rows the command affected or returned, or -1 when the tag carries no count.</summary>
    public static long ParseRows(ReadOnlySpan<byte> body) => ParseRows(body, out _);

    /// <summary>
    /// The number of rows, or -1; <paramref name="modification"/> tells whether the command changed rows (INSERT,
    /// UPDATE, DELETE, MERGE) rather than returned or moved them.
    /// </summary>
    public static long ParseRows(ReadOnlySpan<byte> body, out bool modification) => ParseRows(body, out modification, out _);

    /// <summary>
    /// The number of rows, or -1; <paramref name="modification"/> as above, and <paramref name="countsRows"/> whether
    /// the count is that of the rows the statement returns when it returns rows at all (SELECT, FETCH, and INSERT,
    /// UPDATE, DELETE, MERGE with RETURNING), so that it must equal the DataRows received.
    /// </summary>
    public static long ParseRows(ReadOnlySpan<byte> body, out bool modification, out bool countsRows)
    {
        modification = false;
        countsRows = false;
        var reader = new PgSpanReader(body, "CommandComplete");
        var tag = reader.ReadCStringBytes();
        reader.ExpectEnd();
        // Command tags are ASCII words and numbers ("INSERT 0 5"); anything else is not a tag at all.
        foreach (var b in tag)
        {
            if (b is < 0x20 or > 0x7E) throw new PgWireProtocolException("CommandComplete carries a command tag with a byte that is not printable ASCII.");
        }
        var space = tag.LastIndexOf((byte)' ');
        if (space < 0) return -1;
        var verb = tag[..tag.IndexOf((byte)' ')];
        if (!IsCountingVerb(verb)) return -1;
        modification = verb.SequenceEqual("INSERT"u8) || verb.SequenceEqual("UPDATE"u8) || verb.SequenceEqual("DELETE"u8) || verb.SequenceEqual("MERGE"u8);
        countsRows = modification || verb.SequenceEqual("SELECT"u8) || verb.SequenceEqual("FETCH"u8);
        if (!Utf8Parser.TryParse(tag[(space + 1)..], out long rows, out var consumed) || consumed != tag.Length - space - 1 || rows < 0)
            throw new PgWireProtocolException("CommandComplete tag ends in something that is not a row count.");
        return rows;
    }

    /// <summary>
    /// Whether the command dropped server-side prepared statements: DISCARD ALL, DEALLOCATE (one, or ALL). The
    /// session's statement cache is then stale.
    /// </summary>
    public static bool DropsPreparedStatements(ReadOnlySpan<byte> body) =>
        body.StartsWith("DISCARD ALL"u8) || body.StartsWith("DEALLOCATE"u8);

    private static bool IsCountingVerb(ReadOnlySpan<byte> verb) =>
        verb.SequenceEqual("INSERT"u8) || verb.SequenceEqual("UPDATE"u8) || verb.SequenceEqual("DELETE"u8) ||
        verb.SequenceEqual("SELECT"u8) || verb.SequenceEqual("MERGE"u8) || verb.SequenceEqual("MOVE"u8) ||
        verb.SequenceEqual("FETCH"u8) || verb.SequenceEqual("COPY"u8);

    /// <summary>
    /// Checks a statement's CommandComplete against the DataRows received for it: for a statement that returns rows, a
    /// tag counting rows (SELECT n, FETCH n, INSERT 0 n, UPDATE n, DELETE n, MERGE n) must count exactly those.
    /// A disagreement means rows were lost or invented on the way: a protocol violation, never a result.
    /// </summary>
    /// <param name="body">The CommandComplete body.</param>
    /// <param name="returnsRows">Whether the statement had a row description (RowDescription, or known in advance).</param>
    /// <param name="received">The DataRows received for the statement.</param>
    /// <param name="modification">Whether the command changed rows.</param>
    /// <returns>The tag's row count, or -1.</returns>
    public static long ParseAndCheck(ReadOnlySpan<byte> body, bool returnsRows, long received, out bool modification)
    {
        var rows = ParseRows(body, out modification, out var countsRows);
        if (returnsRows && countsRows && rows != received)
            throw new PgWireProtocolException(
                $"The server's CommandComplete reports {rows} rows but {received} DataRow messages arrived for the statement; the result is refused and the connection closed.");
        return rows;
    }
}

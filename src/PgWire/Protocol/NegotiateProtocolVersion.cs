namespace PgWire.Protocol;

/// <summary>
/// NegotiateProtocolVersion ('v'): the server's answer to a StartupMessage asking for a newer minor version than it
/// speaks, or naming protocol options (<c>_pq_.*</c>) it does not know: Int32 the newest version it supports for the
/// major asked for (the whole number, 3 &lt;&lt; 16 | minor, as PostgreSQL sends it), Int32 the number of options it did
/// not recognise, then each option's name. The session goes on
/// in that minor version; nothing needs to be sent again.
/// </summary>
internal readonly record struct NegotiateProtocolVersion(int NewestMinor, string[] UnrecognisedOptions)
{
    /// <param name="body">The message body.</param>
    /// <param name="requestedMinor">The minor version the StartupMessage asked for.</param>
    public static NegotiateProtocolVersion Parse(ReadOnlySpan<byte> body, int requestedMinor)
    {
        var reader = new PgSpanReader(body, "NegotiateProtocolVersion");
        // The whole version number, major in the high 16 bits, as the StartupMessage carries it (what PostgreSQL sends).
        var version = reader.ReadInt32();
        var (major, newest) = (version >> 16, version & 0xFFFF);
        if (major != 3 || newest > requestedMinor)
            throw new PgWireProtocolException(
                $"NegotiateProtocolVersion offers protocol {major}.{newest} in answer to a request for 3.{requestedMinor}; it may only offer 3.{requestedMinor} or an older 3.x.");
        var count = reader.ReadInt32();
        // Every name takes at least its terminating zero byte: a count above the bytes left is a lie, not an allocation.
        if (count < 0 || count > reader.Remaining)
            throw new PgWireProtocolException(
                $"NegotiateProtocolVersion declares {count} unrecognised protocol options, but only {reader.Remaining} bytes follow.");
        var options = new string[count];
        for (var i = 0; i < count; i++) options[i] = reader.ReadCString();
        reader.ExpectEnd();
        return new NegotiateProtocolVersion(newest, options);
    }
}

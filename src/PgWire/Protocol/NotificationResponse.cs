namespace PgWire.Protocol;

/// <summary>NotificationResponse ('A'): Int32 the notifying backend's process ID, String the channel, String the payload.</summary>
internal static class NotificationResponse
{
    public static PgNotification Parse(ReadOnlySpan<byte> body)
    {
        var reader = new PgSpanReader(body, "NotificationResponse");
        var processId = reader.ReadInt32();
        var channel = reader.ReadCString();
        var payload = reader.ReadCString();
        reader.ExpectEnd();
        return new PgNotification(processId, channel, payload);
    }
}

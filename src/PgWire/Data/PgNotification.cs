namespace PgWire;

/// <summary>
/// A notification sent with NOTIFY (or <c>pg_notify</c>) on a channel the session LISTENs to; or, from
/// <see cref="PgWireDataSource.ListenAsync(string, CancellationToken)"/>, a gap: the listening connection was lost and
/// listens again, and notifications sent in between are lost.
/// </summary>
public sealed class PgNotification
{
    internal PgNotification(int processId, string channel, string payload)
    {
        ProcessId = processId;
        Channel = channel;
        Payload = payload;
    }

    private PgNotification(Exception cause)
    {
        Channel = "";
        Payload = "";
        IsGap = true;
        GapCause = cause;
    }

    /// <summary>The process ID of the server session that sent the notification (0 for a gap).</summary>
    public int ProcessId { get; }

    /// <summary>The channel it was sent on (empty for a gap).</summary>
    public string Channel { get; }

    /// <summary>The payload: up to 8000 bytes of text (empty when none was given, and for a gap).</summary>
    public string Payload { get; }

    /// <summary>
    /// True for the item <see cref="PgWireDataSource.ListenAsync(string, CancellationToken)"/> yields after it lost its
    /// connection and listens again: notifications sent meanwhile were not received, so state kept up to date by them
    /// should be reloaded. Every notification after a gap is received again.
    /// </summary>
    public bool IsGap { get; }

    /// <summary>For a gap: why the connection was lost.</summary>
    public Exception? GapCause { get; }

    internal static PgNotification Gap(Exception cause) => new(cause);

    /// <inheritdoc />
    public override string ToString() => IsGap
        ? $"PgNotification {{ gap: {GapCause?.Message} }}"
        : $"PgNotification {{ Channel = {Channel}, ProcessId = {ProcessId}, {Payload.Length} characters of payload }}";
}

/// <summary>The arguments of <see cref="PgWireConnection.Notification"/>.</summary>
public sealed class PgNotificationEventArgs : EventArgs
{
    internal PgNotificationEventArgs(PgNotification notification) => Notification = notification;

    /// <summary>The notification.</summary>
    public PgNotification Notification { get; }

    /// <summary>The channel it was sent on.</summary>
    public string Channel => Notification.Channel;

    /// <summary>Its payload.</summary>
    public string Payload => Notification.Payload;

    /// <summary>The process ID of the server session that sent it.</summary>
    public int ProcessId => Notification.ProcessId;
}

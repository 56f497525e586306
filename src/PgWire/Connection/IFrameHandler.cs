namespace PgWire.Connection;

/// <summary>
/// Receives the backend messages of one request, one frame at a time, from the connection's read loop.
/// ParameterStatus, NoticeResponse and NotificationResponse are handled by the connection and never reach it.
/// </summary>
internal interface IFrameHandler
{
    /// <summary>Handles one message; returns true when the request's response is complete.</summary>
    /// <remarks><paramref name="body"/> is valid only during the call: copy what must outlive it.</remarks>
    bool Handle(PgConnector connector, byte code, ReadOnlySpan<byte> body);
}

using PgWire.Exceptions;
using PgWire.Protocol;

namespace PgWire.Connection;

/// <summary>
/// What the server tells a session about itself rather than in answer to a request: ParameterStatus (server_version,
/// TimeZone...; a client_encoding other than UTF8 or float datetimes end the session), notices, notifications, the
/// transaction status of each ReadyForQuery, the backend key, and a FATAL error before the server ends the session.
/// </summary>
internal sealed class SessionState
{
    private readonly Dictionary<string, string> _serverParameters = new(StringComparer.Ordinal);

    /// <summary>Server parameters reported with ParameterStatus.</summary>
    public IReadOnlyDictionary<string, string> ServerParameters => _serverParameters;

    /// <summary>
    /// The server's version as numbers, from server_version's leading "major.minor" ("15.18 (Debian ...)" is 15.18,
    /// "18beta1" is 18.0); 0.0 when the server did not report one a version can be read from.
    /// </summary>
    public Version ServerVersionNumber
    {
        get
        {
            if (!_serverParameters.TryGetValue("server_version", out var text)) return new Version(0, 0);
            var span = text.AsSpan().TrimStart();
            var end = 0;
            while (end < span.Length && (char.IsAsciiDigit(span[end]) || span[end] == '.')) end++;
            var parts = span[..end].ToString().Split('.', StringSplitOptions.RemoveEmptyEntries);
            var invariant = System.Globalization.CultureInfo.InvariantCulture;
            return parts.Length > 0 && int.TryParse(parts[0], invariant, out var major)
                ? new Version(major, parts.Length > 1 && int.TryParse(parts[1], invariant, out var minor) ? minor : 0)
                : new Version(0, 0);
        }
    }

    /// <summary>The transaction status of the last ReadyForQuery.</summary>
    public TransactionStatus TransactionStatus { get; private set; } = TransactionStatus.Idle;

    /// <summary>The backend's process ID and secret key, for CancelRequest.</summary>
    public BackendKeyData BackendKey { get; set; }

    /// <summary>Whether the server asked for any authentication at login (Require Auth's "none" is about this).</summary>
    public bool AuthenticationAsked { get; set; }

    /// <summary>The protocol minor version of the session: what was asked for, or what NegotiateProtocolVersion offered (0 or 2).</summary>
    public int ProtocolMinor { get; set; }

    /// <summary>A FATAL error the server sent before ending the session, if any.</summary>
    public PgWireServerException? FatalError { get; private set; }

    /// <summary>The server's role as a query last found it, for servers that do not report in_hot_standby (see <see cref="ServerRoles"/>).</summary>
    public ServerRole QueriedRole { get; set; }

    /// <summary>Called for every NotificationResponse, on the read loop: it must be quick and must not throw.</summary>
    public Action<PgNotification>? NotificationCallback { get; set; }

    /// <summary>Notifications received over the session's life (a wait compares it before and after).</summary>
    public long NotificationCount { get; private set; }

    /// <summary>Whether a LISTEN ran on the session: the pool runs UNLISTEN * before another caller gets it.</summary>
    public bool Listening { get; set; }

    /// <summary>Called for every NoticeResponse. Runs on the read loop: it must be quick and must not throw.</summary>
    public Action<PgErrorFields>? NoticeCallback { get; set; }

    /// <summary>
    /// Takes a message that belongs to the session; true when it was one and is done with. ReadyForQuery and FATAL
    /// errors update the state and still go to the request.
    /// </summary>
    /// <exception cref="PgWireProtocolException">A parameter the session cannot live with.</exception>
    public bool Handle(byte code, ReadOnlySpan<byte> body)
    {
        switch (code)
        {
            case BackendMessageCode.ParameterStatus:
                OnParameterStatus(ParameterStatus.Parse(body));
                return true;
            case BackendMessageCode.NoticeResponse:
                NoticeCallback?.Invoke(ErrorResponse.Parse(body, "NoticeResponse"));
                return true;
            case BackendMessageCode.NotificationResponse:
                // Not a response to anything: whoever has the session now is told (nobody when it is idle in the pool).
                var notification = NotificationResponse.Parse(body);
                NotificationCount++;
                NotificationCallback?.Invoke(notification);
                return true;
            case BackendMessageCode.ReadyForQuery:
                TransactionStatus = ReadyForQuery.Parse(body);
                return false;
            case BackendMessageCode.ErrorResponse:
                var fields = ErrorResponse.Parse(body);
                // The server ends the session after this; the error is what the caller should see.
                if (fields.Severity is "FATAL" or "PANIC") FatalError = new PgWireServerException(fields);
                return false;
            default:
                return false;
        }
    }

    private void OnParameterStatus(ParameterStatus status)
    {
        _serverParameters[status.Name] = status.Value;
        if (status.Name == "client_encoding" && !status.Value.Equals("UTF8", StringComparison.OrdinalIgnoreCase))
            throw new PgWireProtocolException(
                $"The session's client_encoding changed to {status.Value}; PgWire reads and writes UTF8 only, so the connection is closed rather than decode text wrongly.");
        if (status.Name == "integer_datetimes" && status.Value != "on")
            throw new PgWireProtocolException("The server uses floating-point datetimes (integer_datetimes = off), which PgWire does not support.");
    }
}

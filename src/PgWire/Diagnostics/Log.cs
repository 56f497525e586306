using Microsoft.Extensions.Logging;

namespace PgWire.Diagnostics;

/// <summary>
/// Every log event PgWire writes, source-generated (no boxing or formatting unless the level is enabled). Event IDs are
/// stable: 1xxx connection, 2xxx command, 3xxx pool, 4xxx COPY, 5xxx TLS, 6xxx notices and notifications. No event
/// carries a password, a key or a connection string; parameter values only with parameter logging on.
/// </summary>
internal static partial class Log
{
    // PgWire.Connection
    [LoggerMessage(1000, LogLevel.Debug,
        "Opened a connection to {Host}:{Port}, database {Database}, user {User}, in {DurationMs:0.###} ms: backend PID {ProcessId}, {Encryption}, protocol {ProtocolVersion}, server {ServerVersion}")]
    public static partial void ConnectionOpened(
        ILogger logger, string host, int port, string database, string user, double durationMs, int processId, string encryption, string protocolVersion, string serverVersion);

    [LoggerMessage(1001, LogLevel.Warning, "Could not open a connection to {Host}:{Port}, database {Database}, after {DurationMs:0.###} ms: {Reason}")]
    public static partial void ConnectionOpenFailed(ILogger logger, string host, int port, string database, double durationMs, string reason, Exception exception);

    [LoggerMessage(1002, LogLevel.Debug, "Closed the connection to {Host}:{Port} (backend PID {ProcessId}) after {LifetimeSeconds:0.###} s")]
    public static partial void ConnectionClosed(ILogger logger, string host, int port, int processId, double lifetimeSeconds);

    [LoggerMessage(1003, LogLevel.Warning, "The connection to {Host}:{Port} (backend PID {ProcessId}) broke and is closed: {Reason}")]
    public static partial void ConnectionBroken(ILogger logger, string host, int port, int processId, string reason, Exception exception);

    [LoggerMessage(1004, LogLevel.Debug, "The connection to {Host}:{Port} (backend PID {ProcessId}) is discarded: its session cannot be reused")]
    public static partial void ConnectionDiscarded(ILogger logger, string host, int port, int processId);

    [LoggerMessage(1005, LogLevel.Warning, "No password taken from a password file: {Reason}")]
    public static partial void PasswordFileIgnored(ILogger logger, string reason);

    [LoggerMessage(1006, LogLevel.Warning, "Host {Host} is down ({Reason}); it is tried again after {RecheckSeconds} s (Host Recheck Seconds), or sooner when no other host will do")]
    public static partial void HostDown(ILogger logger, string host, string reason, double recheckSeconds);

    [LoggerMessage(1007, LogLevel.Information, "Host {Host} is {Role}")]
    public static partial void HostRole(ILogger logger, string host, string role);

    [LoggerMessage(1008, LogLevel.Debug, "The server {Host}:{Port} speaks protocol 3.{NewestMinor}, not the 3.{RequestedMinor} asked for; the session goes on in 3.{NewestMinor}")]
    public static partial void ProtocolNegotiated(ILogger logger, string host, int port, int requestedMinor, int newestMinor);

    [LoggerMessage(1009, LogLevel.Warning, "The server {Host}:{Port} did not recognise the protocol options {Options}; the session goes on without them")]
    public static partial void ProtocolOptionsUnrecognised(ILogger logger, string host, int port, string options);

    [LoggerMessage(1010, LogLevel.Information, "{Host}:{Port} closed or refused a protocol 3.{RefusedMinor} login ({Reason}); it logged in with 3.0, which this data source asks that host for from now on (set Max Protocol Version to choose)")]
    public static partial void ProtocolFallback(ILogger logger, string host, int port, int refusedMinor, string reason);

    // PgWire.Command
    [LoggerMessage(2000, LogLevel.Debug, "{Operation} completed in {DurationMs:0.###} ms on backend {ProcessId}: {Sql}")]
    public static partial void CommandCompleted(ILogger logger, string operation, double durationMs, int processId, string sql);

    [LoggerMessage(2001, LogLevel.Debug, "{Operation} completed in {DurationMs:0.###} ms on backend {ProcessId}: {Sql} with parameters {Parameters}")]
    public static partial void CommandCompletedWithParameters(ILogger logger, string operation, double durationMs, int processId, string sql, string parameters);

    [LoggerMessage(2002, LogLevel.Warning, "Slow {Operation}: {DurationMs:0.###} ms (threshold {ThresholdMs:0.###} ms) on backend {ProcessId}: {Sql}")]
    public static partial void SlowCommand(ILogger logger, string operation, double durationMs, double thresholdMs, int processId, string sql);

    [LoggerMessage(2003, LogLevel.Warning, "Slow {Operation}: {DurationMs:0.###} ms (threshold {ThresholdMs:0.###} ms) on backend {ProcessId}: {Sql} with parameters {Parameters}")]
    public static partial void SlowCommandWithParameters(ILogger logger, string operation, double durationMs, double thresholdMs, int processId, string sql, string parameters);

    [LoggerMessage(2004, LogLevel.Debug, "{Operation} failed after {DurationMs:0.###} ms on backend {ProcessId} ({ErrorType}): {Sql}")]
    public static partial void CommandFailed(ILogger logger, string operation, double durationMs, int processId, string errorType, string sql, Exception exception);

    [LoggerMessage(2005, LogLevel.Information, "A command on {Host}:{Port} (backend PID {ProcessId}) was cancelled at the caller's request: {Outcome}")]
    public static partial void CommandCancelled(ILogger logger, string host, int port, int processId, string outcome);

    [LoggerMessage(2006, LogLevel.Warning, "A command on {Host}:{Port} (backend PID {ProcessId}) timed out after {TimeoutSeconds:0.###} s (Command Timeout): {Outcome}")]
    public static partial void CommandTimedOut(ILogger logger, string host, int port, int processId, double timeoutSeconds, string outcome);

    [LoggerMessage(2010, LogLevel.Trace, "Statement {Name} left the statement cache of backend {ProcessId} (Max Auto Prepare {Capacity}) and is closed on the server: {Sql}")]
    public static partial void StatementEvicted(ILogger logger, string name, int processId, int capacity, string sql);

    [LoggerMessage(2011, LogLevel.Trace, "The statement cache of backend {ProcessId} was cleared ({Count} statements): the schema or the session may have changed")]
    public static partial void StatementCacheCleared(ILogger logger, int processId, int count);

    // PgWire.Pool
    [LoggerMessage(3000, LogLevel.Debug, "The pool {Pool} is exhausted ({InUse} of {Max} connections in use); waiting up to {TimeoutSeconds:0.###} s for one")]
    public static partial void PoolExhausted(ILogger logger, string pool, int inUse, int max, double timeoutSeconds);

    [LoggerMessage(3001, LogLevel.Warning, "No connection of the pool {Pool} was free within {TimeoutSeconds:0.###} s (Timeout); {InUse} of {Max} in use")]
    public static partial void PoolTimedOut(ILogger logger, string pool, double timeoutSeconds, int inUse, int max);

    [LoggerMessage(3002, LogLevel.Debug, "The pool {Pool} closed {Count} idle connections past their lifetime; {Open} remain open")]
    public static partial void PoolPruned(ILogger logger, string pool, int count, int open);

    // PgWire.Copy
    [LoggerMessage(4000, LogLevel.Debug, "COPY completed in {DurationMs:0.###} ms on backend {ProcessId}, {Rows} rows: {Sql}")]
    public static partial void CopyCompleted(ILogger logger, double durationMs, int processId, long rows, string sql);

    [LoggerMessage(4001, LogLevel.Debug, "COPY failed after {DurationMs:0.###} ms on backend {ProcessId} ({ErrorType}): {Sql}")]
    public static partial void CopyFailed(ILogger logger, double durationMs, int processId, string errorType, string sql, Exception exception);

    [LoggerMessage(4002, LogLevel.Warning, "Slow COPY: {DurationMs:0.###} ms (threshold {ThresholdMs:0.###} ms) on backend {ProcessId}, {Rows} rows: {Sql}")]
    public static partial void SlowCopy(ILogger logger, double durationMs, double thresholdMs, int processId, long rows, string sql);

    // PgWire.Tls
    [LoggerMessage(5000, LogLevel.Debug, "TLS established with {Host}:{Port}: {Protocol}, cipher suite {CipherSuite}, server certificate {Subject} (SSL Mode {SslMode})")]
    public static partial void TlsEstablished(ILogger logger, string host, int port, string protocol, string cipherSuite, string subject, string sslMode);

    [LoggerMessage(5001, LogLevel.Information, "The server {Host}:{Port} does not accept TLS; the connection goes on unencrypted (SSL Mode {SslMode})")]
    public static partial void TlsDeclined(ILogger logger, string host, int port, string sslMode);

    [LoggerMessage(5002, LogLevel.Warning, "The TLS negotiation with {Host}:{Port} failed (SSL Mode {SslMode}): {Reason}")]
    public static partial void TlsFailed(ILogger logger, string host, int port, string sslMode, string reason, Exception exception);

    [LoggerMessage(5003, LogLevel.Information, "The server {Host}:{Port} refused the unencrypted login; trying again with TLS (SSL Mode Allow)")]
    public static partial void TlsRetry(ILogger logger, string host, int port);

    // PgWire.Notifications
    [LoggerMessage(EventId = 6000, Message = "Server {Severity} from backend {ProcessId} ({SqlState}): {Message}")]
    public static partial void ServerNotice(ILogger logger, LogLevel level, string severity, int processId, string sqlState, string message);

    [LoggerMessage(6001, LogLevel.Warning, "The connection listening to {Channels} was lost ({Reason}); listening again on a new one")]
    public static partial void ListenerLost(ILogger logger, string channels, string reason);

    [LoggerMessage(6002, LogLevel.Warning, "Could not listen to {Channels} again yet ({Reason}); next try in {DelaySeconds:0.###} s")]
    public static partial void ListenerRetry(ILogger logger, string channels, double delaySeconds, string reason);

    [LoggerMessage(6003, LogLevel.Information, "Listening to {Channels} again; notifications sent meanwhile are lost (a gap item was yielded)")]
    public static partial void ListenerResumed(ILogger logger, string channels);
}

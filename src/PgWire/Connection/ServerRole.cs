using PgWire.Exceptions;
using PgWire.Protocol;

namespace PgWire.Connection;

/// <summary>What a server is to its cluster, as far as choosing a host for a session goes.</summary>
internal enum ServerRole
{
    /// <summary>Not known yet.</summary>
    Unknown,

    /// <summary>Not in recovery, and sessions may write.</summary>
    Primary,

    /// <summary>Not in recovery, but default_transaction_read_only is on.</summary>
    ReadOnlyPrimary,

    /// <summary>In hot-standby recovery: read-only.</summary>
    Standby,
}

/// <summary>
/// Finds a session's <see cref="ServerRole"/>: from the in_hot_standby and default_transaction_read_only parameters
/// the server reports at login and whenever they change (PostgreSQL 14 and later; a promotion is reported to the open
/// sessions too), or, from older servers, with one query right after login.
/// </summary>
internal static class ServerRoles
{
    // pg_is_in_recovery() is true on a standby; transaction_read_only follows default_transaction_read_only at the start.
    private const string Sql = "SELECT pg_catalog.pg_is_in_recovery(), pg_catalog.current_setting('transaction_read_only')";

    /// <summary>The role from the reported parameters, or <see cref="ServerRole.Unknown"/> when the server does not report them.</summary>
    public static ServerRole FromParameters(PgConnector connector)
    {
        var parameters = connector.Session.ServerParameters;
        if (!parameters.TryGetValue("in_hot_standby", out var hotStandby)) return ServerRole.Unknown;
        if (hotStandby == "on") return ServerRole.Standby;
        return parameters.TryGetValue("default_transaction_read_only", out var readOnly) && readOnly == "on"
            ? ServerRole.ReadOnlyPrimary
            : ServerRole.Primary;
    }

    /// <summary>The session's role now: reported, else what the query found at login (kept on the connector).</summary>
    public static ServerRole Current(PgConnector connector)
    {
        var reported = FromParameters(connector);
        return reported != ServerRole.Unknown ? reported : connector.Session.QueriedRole;
    }

    /// <summary>
    /// Makes the role of an idle session known: asks the server when it does not report it, or always with
    /// <paramref name="force"/> (a host whose state is stale: a promotion may not have reached an idle session yet).
    /// </summary>
    public static async ValueTask<ServerRole> DetectAsync(PgConnector connector, bool force, CancellationToken cancellationToken)
    {
        var role = Current(connector);
        if (role != ServerRole.Unknown && !force) return role;
        // One row of two text columns: "t"/"f", then "on"/"off".
        var row = await SimpleQuery.RunForRowAsync(connector, Sql, 2, cancellationToken).ConfigureAwait(false);
        if (row is not [{ } recovery, { } readOnly])
            throw connector.Break(new PgWireProtocolException("The server answered the query for its role (pg_is_in_recovery) without exactly one row of two values."));
        role = recovery == "t" ? ServerRole.Standby : readOnly == "on" ? ServerRole.ReadOnlyPrimary : ServerRole.Primary;
        connector.Session.QueriedRole = role;
        return role;
    }
}

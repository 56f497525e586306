using PgWire.Buffers;
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
        return reported != ServerRole.Unknown ? reported : connector.QueriedRole;
    }

    /// <summary>
    /// Makes the role of an idle session known: asks the server when it does not report it, or always with
    /// <paramref name="force"/> (a host whose state is stale: a promotion may not have reached an idle session yet).
    /// </summary>
    public static async ValueTask<ServerRole> DetectAsync(PgConnector connector, bool force, CancellationToken cancellationToken)
    {
        var role = Current(connector);
        if (role != ServerRole.Unknown && !force) return role;
        var rows = await SimpleQuery.RunAsync(connector, Sql, cancellationToken).ConfigureAwait(false);
        try
        {
            // One row of two text columns: "t"/"f", then "on"/"off".
            if (rows is null || rows.RowCount != 1)
                throw connector.Break(new PgWireProtocolException("The server answered the query for its role (pg_is_in_recovery) without exactly one row."));
            rows.Locate(0, rows.Version, out var chunk, out var offset, out var length);
            var stored = new ReadOnlySpan<byte>(chunk, offset, length);
            if (!DataRow.TryGetStoredColumn(stored, 2, 0, out var recovery) || !DataRow.TryGetStoredColumn(stored, 2, 1, out var readOnly))
                throw connector.Break(new PgWireProtocolException("The server answered the query for its role (pg_is_in_recovery) with NULL."));
            role = recovery.SequenceEqual("t"u8) ? ServerRole.Standby
                : readOnly.SequenceEqual("on"u8) ? ServerRole.ReadOnlyPrimary
                : ServerRole.Primary;
        }
        finally
        {
            if (rows is not null) RowBufferPool.Return(rows);
        }
        connector.QueriedRole = role;
        return role;
    }
}

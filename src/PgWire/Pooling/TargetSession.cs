namespace PgWire;

/// <summary>
/// Which servers of a host list a connection may be opened on (<c>Target Session Attributes</c>, libpq's
/// <c>target_session_attrs</c>), and what <see cref="PgWireDataSource.WithTargetSession"/> asks for.
/// </summary>
public enum TargetSession
{
    /// <summary>Any server that accepts the connection (the default): the first of the list that answers.</summary>
    Any,

    /// <summary>A session that can write: a primary whose <c>default_transaction_read_only</c> is off.</summary>
    ReadWrite,

    /// <summary>A session that cannot write: a standby, or a primary whose <c>default_transaction_read_only</c> is on.</summary>
    ReadOnly,

    /// <summary>A primary (a server not in recovery), whatever its <c>default_transaction_read_only</c>.</summary>
    Primary,

    /// <summary>A standby (a server in hot-standby recovery).</summary>
    Standby,

    /// <summary>A primary when one is up; else any server.</summary>
    PreferPrimary,

    /// <summary>A standby when one is up; else any server (the primary).</summary>
    PreferStandby,
}

/// <summary>The connection string's spellings of <see cref="TargetSession"/>.</summary>
internal static class TargetSessions
{
    /// <summary>A value in libpq's spelling (read-write) or Npgsql's (ReadWrite), any case; null when it is neither.</summary>
    public static TargetSession? Parse(string text) =>
        text.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).Trim().ToUpperInvariant() switch
        {
            "ANY" or "" => TargetSession.Any,
            "READWRITE" => TargetSession.ReadWrite,
            "READONLY" => TargetSession.ReadOnly,
            "PRIMARY" => TargetSession.Primary,
            "STANDBY" or "SECONDARY" => TargetSession.Standby,
            "PREFERPRIMARY" => TargetSession.PreferPrimary,
            "PREFERSTANDBY" or "PREFERSECONDARY" => TargetSession.PreferStandby,
            _ => null,
        };

    /// <summary>libpq's spelling: read-write, prefer-standby, ...</summary>
    public static string ToText(TargetSession target) => target switch
    {
        TargetSession.Any => "any",
        TargetSession.ReadWrite => "read-write",
        TargetSession.ReadOnly => "read-only",
        TargetSession.Primary => "primary",
        TargetSession.Standby => "standby",
        TargetSession.PreferPrimary => "prefer-primary",
        TargetSession.PreferStandby => "prefer-standby",
        _ => throw new ArgumentOutOfRangeException(nameof(target), target, "Not a TargetSession value."),
    };
}

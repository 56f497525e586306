namespace PgWire.Configuration;

/// <summary>
/// The environment variables libpq reads for settings a connection string leaves out, with the libpq keyword each
/// fills. PGSERVICE, PGSERVICEFILE and PGSYSCONFDIR choose the service file (<see cref="ServiceFile"/>).
/// </summary>
internal static class LibpqEnvironment
{
    /// <summary>Variable and keyword, in libpq's order; PGHOST and PGPORT first (they are merged into one host list).</summary>
    public static readonly (string Variable, string Keyword)[] Variables =
    [
        ("PGHOST", "host"),
        ("PGPORT", "port"),
        ("PGDATABASE", "dbname"),
        ("PGUSER", "user"),
        ("PGPASSWORD", "password"),
        ("PGPASSFILE", "passfile"),
        ("PGOPTIONS", "options"),
        ("PGAPPNAME", "application_name"),
        ("PGSSLMODE", "sslmode"),
        ("PGSSLCERT", "sslcert"),
        ("PGSSLKEY", "sslkey"),
        ("PGSSLROOTCERT", "sslrootcert"),
        ("PGCHANNELBINDING", "channel_binding"),
        ("PGGSSENCMODE", "gssencmode"),
        ("PGCONNECT_TIMEOUT", "connect_timeout"),
        ("PGCLIENTENCODING", "client_encoding"),
        ("PGTARGETSESSIONATTRS", "target_session_attrs"),
        ("PGLOADBALANCEHOSTS", "load_balance_hosts"),
        ("PGTZ", "timezone"),
        ("PGREQUIREAUTH", "require_auth"),
        ("PGSSLNEGOTIATION", "sslnegotiation"),
        ("PGMINPROTOCOLVERSION", "min_protocol_version"),
        ("PGMAXPROTOCOLVERSION", "max_protocol_version"),
    ];

    /// <summary>The process's environment, as the settings read it.</summary>
    public static string? Process(string name) => Environment.GetEnvironmentVariable(name);
}

using Microsoft.Extensions.Logging;

namespace PgWire;

/// <summary>
/// Configures a <see cref="PgWireDataSource"/> before it exists: the connection string's settings, type mappings and
/// the notice handler. <see cref="Build"/> gives a data source that never changes afterwards (so it is safe to share
/// between threads from its first query on); the builder can go on to build others.
/// </summary>
/// <example>
/// <code>
/// var builder = new PgWireDataSourceBuilder("Host=127.0.0.1;Username=app;Password=...;Database=app");
/// builder.ConnectionStringBuilder.MaxPoolSize = 20;
/// builder.MapEnum&lt;Mood&gt;("mood").UseNoticeHandler((_, e) =&gt; Console.WriteLine(e.Notice.MessageText));
/// await using PgWireDataSource dataSource = builder.Build();
/// </code>
/// </example>
public sealed class PgWireDataSourceBuilder
{
    /// <summary>What trimming keeps of a mapped composite type: what reading and writing it by reflection use.</summary>
    private const System.Diagnostics.CodeAnalysis.DynamicallyAccessedMemberTypes CompositeMembers =
        System.Diagnostics.CodeAnalysis.DynamicallyAccessedMemberTypes.PublicConstructors
        | System.Diagnostics.CodeAnalysis.DynamicallyAccessedMemberTypes.PublicParameterlessConstructor
        | System.Diagnostics.CodeAnalysis.DynamicallyAccessedMemberTypes.PublicProperties
        | System.Diagnostics.CodeAnalysis.DynamicallyAccessedMemberTypes.PublicFields;

    private readonly List<(Type ClrType, string PgTypeName, Func<Types.PgCodec>? EnumCodec)> _mappings = [];
    private EventHandler<PgNoticeEventArgs>? _notice;
    private ILoggerFactory? _loggerFactory;
    private bool _logParameters;
    private TimeSpan? _slowCommandThreshold;
    private Func<PgPasswordRequest, CancellationToken, ValueTask<string>>? _passwordProvider;
    private string? _initializer;

    /// <summary>Creates a builder with no settings (set them through <see cref="ConnectionStringBuilder"/>).</summary>
    public PgWireDataSourceBuilder() : this(null) { }

    /// <summary>Creates a builder starting from a connection string.</summary>
    /// <param name="connectionString">Npgsql-style keywords (Host, Port, Username, Password, Database, ...), a libpq
    /// keyword=value string, or a <c>postgresql://</c> URI; empty for libpq's defaults and environment.</param>
    /// <exception cref="ArgumentException">An unknown keyword or a bad value.</exception>
    public PgWireDataSourceBuilder(string? connectionString) => ConnectionStringBuilder = new PgWireConnectionStringBuilder(connectionString ?? "");

    /// <summary>The settings, as a connection string builder: change them here before <see cref="Build"/>.</summary>
    public PgWireConnectionStringBuilder ConnectionStringBuilder { get; }

    /// <summary>The connection string the settings make (with the password, as given).</summary>
    public string ConnectionString => ConnectionStringBuilder.ConnectionString;

    /// <summary>
    /// Maps .NET enum <typeparamref name="TEnum"/> to the PostgreSQL enum type <paramref name="pgTypeName"/>: its values
    /// (and arrays and lists of them) are sent as that type even where the statement does not say (<c>SELECT $1</c>,
    /// <c>$1 = ANY(...)</c>), and that type's columns read as <typeparamref name="TEnum"/> by default (GetValue,
    /// GetFieldType, Dapper). Members go as the label an <see cref="System.Runtime.Serialization.EnumMemberAttribute"/>
    /// names, else as their name in snake_case. Without a mapping, enums still work wherever the statement gives the
    /// parameter its type (an INSERT into an enum column, a comparison with one), and enum columns read as their label.
    /// </summary>
    /// <typeparam name="TEnum">The .NET enum.</typeparam>
    /// <param name="pgTypeName">The enum type's name, as created (<c>mood</c>, or <c>myschema.mood</c>).</param>
    /// <returns>This builder, for chaining.</returns>
    public PgWireDataSourceBuilder MapEnum<TEnum>(string pgTypeName) where TEnum : struct, Enum
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pgTypeName);
        _mappings.Add((typeof(TEnum), pgTypeName, static () => new Types.MappedEnumCodec<TEnum>()));
        return this;
    }

    /// <summary>
    /// Maps <typeparamref name="T"/> to the composite type <paramref name="pgTypeName"/>: its values (and arrays and lists
    /// of them) are sent as that type. Fields match public members by name (as is, ignoring case, or in snake_case:
    /// <c>StreetName</c> is <c>street_name</c>); reading fills a constructor whose parameters name fields (a positional
    /// record), then settable members. Without a mapping, objects still work wherever the statement gives the
    /// parameter its type (an INSERT into a composite column), and reading needs none.
    /// </summary>
    /// <typeparam name="T">The class, record or struct.</typeparam>
    /// <param name="pgTypeName">The composite type's name, as created (<c>address</c>, or <c>myschema.address</c>).</param>
    /// <returns>This builder, for chaining.</returns>
    public PgWireDataSourceBuilder MapComposite<[System.Diagnostics.CodeAnalysis.DynamicallyAccessedMembers(CompositeMembers)] T>(string pgTypeName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pgTypeName);
        if (typeof(T).IsPrimitive || typeof(T) == typeof(string) || typeof(System.Collections.IEnumerable).IsAssignableFrom(typeof(T)))
            throw new ArgumentException($"{typeof(T)} cannot be mapped to a composite type: use a class, record or struct with a member per field.", nameof(T));
        _mappings.Add((typeof(T), pgTypeName, null));
        return this;
    }

    /// <summary>
    /// Calls <paramref name="handler"/> for every notice (NoticeResponse) a session of the data source receives: RAISE
    /// NOTICE, warnings, and so on. Several handlers may be added; they run in the order added.
    /// </summary>
    /// <remarks>Handlers run on the connection's read loop, so keep them quick. An exception from a handler is caught and
    /// dropped, so that it cannot corrupt the session that was reading.</remarks>
    /// <param name="handler">The handler; its sender is the data source.</param>
    /// <returns>This builder, for chaining.</returns>
    public PgWireDataSourceBuilder UseNoticeHandler(EventHandler<PgNoticeEventArgs> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _notice += handler;
        return this;
    }

    /// <summary>
    /// The data source's name in metrics (<c>db.client.connection.pool.name</c>) and logs; by default
    /// <c>host:port/database</c>. Give each data source of an application its own when several point at one database.
    /// </summary>
    public string? Name { get; set; }

    /// <summary>
    /// Logs through <paramref name="loggerFactory"/>, in the categories <c>PgWire.Connection</c>, <c>PgWire.Command</c>,
    /// <c>PgWire.Pool</c>, <c>PgWire.Copy</c>, <c>PgWire.Tls</c> and <c>PgWire.Notifications</c> (server notices). Without a
    /// logger factory nothing is logged. The dependency-injection package passes the host's factory for you.
    /// </summary>
    /// <remarks>No event carries a password, a key or the connection string; parameter values only after
    /// <see cref="EnableParameterLogging"/>.</remarks>
    /// <param name="loggerFactory">The factory; null logs nothing.</param>
    /// <returns>This builder, for chaining.</returns>
    public PgWireDataSourceBuilder UseLoggerFactory(ILoggerFactory? loggerFactory)
    {
        _loggerFactory = loggerFactory;
        return this;
    }

    /// <summary>
    /// Puts parameter values into the command log events and into spans (<c>db.query.parameter.&lt;n&gt;</c>). Off by
    /// default: values may be personal data or secrets. Strings are shortened to 256 characters, binary values shown as
    /// their length.
    /// </summary>
    /// <param name="parameterLoggingEnabled">True to include values.</param>
    /// <returns>This builder, for chaining.</returns>
    public PgWireDataSourceBuilder EnableParameterLogging(bool parameterLoggingEnabled = true)
    {
        _logParameters = parameterLoggingEnabled;
        return this;
    }

    /// <summary>
    /// Logs every command, batch, pipeline or COPY that takes at least <paramref name="threshold"/> at Warning (event
    /// 2002, 2003 or 4002 of <c>PgWire.Command</c> / <c>PgWire.Copy</c>), with its duration and SQL. Off by default.
    /// </summary>
    /// <param name="threshold">The duration from which a command counts as slow; must be positive.</param>
    /// <returns>This builder, for chaining.</returns>
    public PgWireDataSourceBuilder UseSlowCommandThreshold(TimeSpan threshold)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(threshold, TimeSpan.Zero);
        _slowCommandThreshold = threshold;
        return this;
    }

    /// <summary>
    /// Asks <paramref name="provider"/> for the password of every new physical connection (not for each use of a pooled
    /// one): for credentials that rotate, such as cloud IAM tokens. It gets the host, port, database and user being
    /// connected to, and may cache what it fetches. Takes the place of Password, PGPASSWORD and the password file.
    /// </summary>
    /// <remarks>An exception from the provider fails that open with a <see cref="PgWireException"/> around it (its message
    /// is not repeated, as it might quote a secret).</remarks>
    /// <param name="provider">Returns the password; called concurrently when several connections open at once.</param>
    /// <returns>This builder, for chaining.</returns>
    /// <exception cref="ArgumentException">At <see cref="Build"/>: the connection string gives a Password too.</exception>
    public PgWireDataSourceBuilder UsePasswordProvider(Func<PgPasswordRequest, CancellationToken, ValueTask<string>> provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        _passwordProvider = provider;
        return this;
    }

    /// <summary>
    /// Runs <paramref name="sql"/> once on every new physical connection, before it is first handed out (for example
    /// <c>SET search_path TO app, public</c>, or <c>SET statement_timeout = '5s'</c>). It may hold several statements.
    /// Sessions are not reset when they go back to the pool, so what it sets stays for the connection's life; a failure
    /// fails the open with the server's error.
    /// </summary>
    /// <param name="sql">The SQL, run over the simple protocol; null removes it.</param>
    /// <returns>This builder, for chaining.</returns>
    public PgWireDataSourceBuilder UsePhysicalConnectionInitializer(string? sql)
    {
        _initializer = string.IsNullOrWhiteSpace(sql) ? null : sql;
        return this;
    }

    /// <summary>Where libpq's environment variables are read from (the process's; tests give their own).</summary>
    internal Func<string, string?> Environment { get; set; } = Configuration.LibpqEnvironment.Process;

    /// <summary>
    /// Builds a data source with the settings, mappings and handlers given so far. What the settings leave out is
    /// filled as libpq does: from the Service's entry in a service file, then from the environment (PGHOST, PGPORT,
    /// PGUSER, PGPASSWORD, PGDATABASE, ...), then with the defaults (the local server's socket, the OS user, a database
    /// named as the user); the password, when none is given, from the password file.
    /// </summary>
    /// <exception cref="ArgumentException">A bad setting, host list, service or environment variable (named), or a
    /// password provider together with a Password.</exception>
    public PgWireDataSource Build()
    {
        var given = new PgWireConnectionStringBuilder(ConnectionStringBuilder.ConnectionString);
        if (_passwordProvider is not null && given.Password.Length > 0)
            throw new ArgumentException("Both a Password and a password provider (UsePasswordProvider) are given: use one.");
        var settings = DataSourceSettings.Resolve(given, Environment);
        var first = DataSourceSettings.Hosts(settings)[0];
        var telemetry = new Diagnostics.DataSourceTelemetry(_loggerFactory, first.Host, first.Port, settings.Database, Name, _logParameters, _slowCommandThreshold);
        var passfile = settings.Passfile.Length > 0 ? settings.Passfile : Configuration.PassFile.DefaultPath();
        var passwords = new PasswordSource(settings.Password.Length > 0 ? settings.Password : null, passfile, _passwordProvider, telemetry.ConnectionLog);
        return new(given, settings, [.. _mappings], _notice, telemetry, passwords, _initializer);
    }
}

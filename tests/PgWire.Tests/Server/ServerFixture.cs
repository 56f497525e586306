using PgWire.Testing;
using Xunit;

namespace PgWire.Tests.Server;

/// <summary>
/// One throwaway PostgreSQL for the whole test run (or the server in PGWIRE_TEST_CONNECTION). It has TLS on, so under
/// the default SSL Mode (Prefer) every test's connections are encrypted, pipelines, COPY and cancellation included.
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private PgTestServer? _server;

    public PgTestServer Server => _server ?? throw new InvalidOperationException("The server has not started.");

    public string ConnectionString => Server.ConnectionString;

    /// <summary>A data source on the test server with extra connection string settings.</summary>
    public PgWireDataSource CreateDataSource(string extra = "") => CreateDataSourceBuilder(extra).Build();

    /// <summary>A data source builder for the test server with extra connection string settings (for mappings and handlers).</summary>
    public PgWireDataSourceBuilder CreateDataSourceBuilder(string extra = "") =>
        new(ConnectionString + (extra.Length > 0 ? ";" + extra : ""));

    /// <summary>
    /// The server's major version (13 to 18: PGWIRE_TEST_PG_VERSION picks it). A test of a feature a version brought
    /// checks it, runs the feature where it exists and, below, asserts what that version does instead.
    /// </summary>
    public int ServerMajor { get; private set; }

    public async Task InitializeAsync()
    {
        _server = await PgTestServer.StartAsync(tls: true);
        await using var dataSource = PgWireDataSource.Create(ConnectionString);
        using var rows = await dataSource.QueryAsync("SELECT current_setting('server_version_num')::int / 10000");
        ServerMajor = rows[0].Get<int>(0);
    }

    /// <summary>
    /// Waits until the server shows a statement containing <paramref name="fragment"/> executing its pg_sleep
    /// (pg_stat_activity: active, wait event PgSleep): a test that acts on a running statement waits for that, not for a
    /// fixed time. Not merely "active": the statement's text shows as active while it is parsed and described too, and a
    /// cancellation then stops it before it runs (an OperationCanceledException without the server's 57014).
    /// </summary>
    public async Task WaitUntilRunningAsync(string fragment)
    {
        await using var admin = CreateDataSource("Pooling=false");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            using var running = await admin.QueryAsync(
                "SELECT count(*)::int FROM pg_stat_activity WHERE state = 'active' AND wait_event = 'PgSleep' AND pid <> pg_backend_pid() AND strpos(query, $1) > 0",
                fragment);
            if (running[0].Get<int>(0) > 0) return;
            if (clock.Elapsed > TimeSpan.FromSeconds(20)) throw new TimeoutException($"No statement containing '{fragment}' started within 20 s.");
            await Task.Delay(5);
        }
    }

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "server";
}

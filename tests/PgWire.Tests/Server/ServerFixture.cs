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
    public PgWireDataSource CreateDataSource(string extra = "") =>
        PgWireDataSource.Create(ConnectionString + (extra.Length > 0 ? ";" + extra : ""));

    public async Task InitializeAsync() => _server = await PgTestServer.StartAsync(tls: true);

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

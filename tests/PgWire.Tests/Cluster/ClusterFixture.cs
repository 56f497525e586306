using PgWire.Testing;
using Xunit;

namespace PgWire.Tests.Cluster;

/// <summary>A primary and two streaming standbys, shared by the tests that do not stop or promote a node.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private PgTestCluster? _cluster;

    public PgTestCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster has not started.");

    public async Task InitializeAsync()
    {
        _cluster = await PgTestCluster.StartAsync(standbys: 2);
        await using var primary = PgWireDataSource.Create(_cluster.Primary.ConnectionString);
        await primary.ExecuteAsync("CREATE TABLE replicated (id int PRIMARY KEY, note text)");
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "replicated cluster";
}

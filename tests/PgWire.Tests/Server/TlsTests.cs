using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PgWire.Testing;
using Xunit;

namespace PgWire.Tests.Server;

/// <summary>A throwaway cluster of its own with TLS on, whatever PGWIRE_TEST_CONNECTION says, for the TLS tests.</summary>
public sealed class TlsServerFixture : IAsyncLifetime
{
    private PgTestServer? _server;

    public PgTestServer Server => _server ?? throw new InvalidOperationException("The server has not started.");

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("pgwire-tls-").FullName;

    public async Task InitializeAsync() => _server = await PgTestServer.StartAsync(environmentVariable: null, tls: true);

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class TlsServerCollection : ICollectionFixture<TlsServerFixture>
{
    public const string Name = "tls-server";
}

[Collection(TlsServerCollection.Name)]
public class TlsTests(TlsServerFixture fixture)
{
    private string Connect(string host, string extra, string user = "postgres") =>
        $"Host={host};Port={fixture.Server.Port};Username={user};Database=postgres;Timeout=10;{extra}";

    /// <summary>Opens, and returns what the server says of the session: its user, whether it is TLS, and the TLS version.</summary>
    private static async Task<(bool IsSecure, string User, bool ServerSaysSsl, string? Version)> SessionAsync(string connectionString)
    {
        await using var connection = new PgWireConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new PgWireCommand("SELECT current_user::text, ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (connection.IsSecure, reader.GetString(0), reader.GetBoolean(1), reader.IsDBNull(2) ? null : reader.GetString(2));
    }

    [Fact]
    public async Task Prefer_is_the_default_and_encrypts_while_Disable_does_not()
    {
        var preferred = await SessionAsync(Connect("127.0.0.1", ""));
        Assert.True(preferred.IsSecure);
        Assert.True(preferred.ServerSaysSsl);
        Assert.StartsWith("TLSv1.", preferred.Version);

        var disabled = await SessionAsync(Connect("127.0.0.1", "SSL Mode=Disable"));
        Assert.False(disabled.IsSecure);
        Assert.False(disabled.ServerSaysSsl);
    }

    [Fact]
    public async Task Require_encrypts_without_checking_the_certificate_unless_a_root_is_given()
    {
        // The server's certificate comes from a throwaway authority no trust store knows: Require does not mind.
        Assert.True((await SessionAsync(Connect("127.0.0.1", "SSL Mode=Require"))).ServerSaysSsl);
        // Given the right root, Require checks the chain (as libpq does) and passes.
        Assert.True((await SessionAsync(Connect("127.0.0.1", $"SSL Mode=Require;Root Certificate={fixture.Server.RootCertificatePath}"))).ServerSaysSsl);
        // Given another authority, it refuses the server.
        var e = await Assert.ThrowsAsync<PgWireException>(() => SessionAsync(Connect("127.0.0.1", $"SSL Mode=Require;Root Certificate={OtherAuthority()}")));
        Assert.Contains("does not chain to a trusted root", e.Message);
    }

    [Fact]
    public async Task VerifyCA_needs_the_issuing_authority_and_ignores_the_host_name()
    {
        var untrusted = await Assert.ThrowsAsync<PgWireException>(() => SessionAsync(Connect("127.0.0.1", "SSL Mode=VerifyCA")));
        Assert.Contains("does not chain to a trusted root", untrusted.Message);
        Assert.Contains("Root Certificate", untrusted.Message);

        // The certificate names localhost only; VerifyCA connects to 127.0.0.1 all the same.
        Assert.True((await SessionAsync(Connect("127.0.0.1", $"SSL Mode=VerifyCA;Root Certificate={fixture.Server.RootCertificatePath}"))).IsSecure);
    }

    [Fact]
    public async Task VerifyFull_also_needs_the_host_name_the_certificate_names()
    {
        var root = fixture.Server.RootCertificatePath;
        var mismatch = await Assert.ThrowsAsync<PgWireException>(() => SessionAsync(Connect("127.0.0.1", $"SSL Mode=VerifyFull;Root Certificate={root}")));
        Assert.Contains("not issued for '127.0.0.1'", mismatch.Message);

        var session = await SessionAsync(Connect("localhost", $"SSL Mode=verify-full;Root Certificate={root}"));
        Assert.True(session.IsSecure && session.ServerSaysSsl);

        var missing = await Assert.ThrowsAsync<PgWireException>(() => SessionAsync(Connect("localhost", "SSL Mode=VerifyFull;Root Certificate=/nonexistent/root.crt")));
        Assert.Contains("/nonexistent/root.crt", missing.Message);
    }

    [Fact]
    public async Task Allow_goes_encrypted_only_when_the_server_refuses_an_unencrypted_login()
    {
        // pgwire_tls_only is refused without TLS by pg_hba.conf (hostnossl ... reject).
        var refused = await Assert.ThrowsAsync<PgWireServerException>(() => SessionAsync(Connect("127.0.0.1", "SSL Mode=Disable", "pgwire_tls_only")));
        Assert.Equal("28000", refused.SqlState);

        var allowed = await SessionAsync(Connect("127.0.0.1", "SSL Mode=Allow", "pgwire_tls_only"));
        Assert.True(allowed.IsSecure);
        Assert.Equal("pgwire_tls_only", allowed.User);

        // Any other role: Allow stays unencrypted.
        Assert.False((await SessionAsync(Connect("127.0.0.1", "SSL Mode=Allow"))).IsSecure);
    }

    [Fact]
    public async Task A_client_certificate_logs_in_where_pg_hba_demands_one()
    {
        var (certificate, key) = fixture.Server.CreateClientCertificate("pgwire_cert", fixture.Directory);

        var without = await Assert.ThrowsAsync<PgWireServerException>(() => SessionAsync(Connect("127.0.0.1", "SSL Mode=Require", "pgwire_cert")));
        Assert.Equal("28000", without.SqlState);

        var session = await SessionAsync(Connect("127.0.0.1", $"SSL Mode=Require;SSL Certificate={certificate};SSL Key={key}", "pgwire_cert"));
        Assert.Equal("pgwire_cert", session.User);
        Assert.True(session.ServerSaysSsl);

        // The same certificate as PKCS#12 with a password; a wrong password is an error that does not repeat it.
        using (var pem = X509Certificate2.CreateFromPemFile(certificate, key))
            await File.WriteAllBytesAsync(Path.Combine(fixture.Directory, "client.pfx"), pem.Export(X509ContentType.Pkcs12, "pfx-secret-pw"));
        var pfx = Path.Combine(fixture.Directory, "client.pfx");
        Assert.Equal("pgwire_cert", (await SessionAsync(Connect("127.0.0.1", $"SSL Mode=Require;SSL Certificate={pfx};SSL Password=pfx-secret-pw", "pgwire_cert"))).User);
        var wrong = await Assert.ThrowsAsync<PgWireException>(() => SessionAsync(Connect("127.0.0.1", $"SSL Mode=Require;SSL Certificate={pfx};SSL Password=not-it-secret", "pgwire_cert")));
        Assert.Contains("could not be loaded", wrong.Message);
        Assert.DoesNotContain("not-it-secret", wrong.ToString());
    }

    [Fact]
    public async Task Pipelines_copy_and_cancellation_work_over_tls()
    {
        await using var dataSource = PgWireDataSource.Create(Connect("127.0.0.1", "SSL Mode=Require"));
        await using var connection = await dataSource.OpenConnectionAsync();
        Assert.True(connection.IsSecure);

        using (var results = await dataSource.PipelineAsync("SELECT $1::int * 2", Enumerable.Range(0, 500).Select(i => new object?[] { i }).ToArray()))
            Assert.Equal(Enumerable.Range(0, 500).Select(i => i * 2), Enumerable.Range(0, 500).Select(i => results[i][0].Get<int>(0)));

        await using (var create = new PgWireCommand("CREATE TEMP TABLE tls_copy (id int4, note text)", connection)) await create.ExecuteNonQueryAsync();
        Assert.Equal(100_000UL, await connection.BulkInsertAsync("tls_copy", ["id", "note"], Enumerable.Range(1, 100_000).Select(i => (i, "row " + i))));
        long sum = 0;
        await using (var exporter = await connection.BeginBinaryExportAsync("COPY tls_copy (id) TO STDOUT (FORMAT BINARY)"))
            while (await exporter.StartRowAsync() >= 0) sum += exporter.Read<int>();
        Assert.Equal(100_000L * 100_001 / 2, sum);

        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await using (var sleep = new PgWireCommand("SELECT pg_sleep(30)", connection))
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sleep.ExecuteScalarAsync(cancel.Token));
        await using var after = new PgWireCommand("SELECT 42", connection);
        Assert.Equal(42, await after.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Scram_binds_to_the_tls_channel_and_Require_refuses_logins_that_cannot()
    {
        var scram = PgTestServer.RoleFor("scram-sha-256");
        var password = $"Password={PgTestServer.RolePassword}";
        // Prefer (the default) and Require both log in over TLS: Require proves the exchange was SCRAM-SHA-256-PLUS,
        // bound to this certificate, and that the server's final message verified.
        Assert.Equal(scram, (await SessionAsync(Connect("127.0.0.1", password, scram))).User);
        Assert.Equal(scram, (await SessionAsync(Connect("127.0.0.1", $"{password};Channel Binding=Require", scram))).User);
        // Disable: plain SCRAM ("n") over TLS is accepted too.
        Assert.Equal(scram, (await SessionAsync(Connect("127.0.0.1", $"{password};Channel Binding=Disable", scram))).User);

        var unencrypted = await Assert.ThrowsAsync<PgWireException>(() => SessionAsync(Connect("127.0.0.1", $"{password};Channel Binding=Require;SSL Mode=Disable", scram)));
        Assert.Contains("needs a TLS connection", unencrypted.Message);
        // The superuser logs in by trust: no SCRAM exchange at all, which Require refuses.
        var trusted = await Assert.ThrowsAsync<PgWireException>(() => SessionAsync(Connect("127.0.0.1", "Channel Binding=Require")));
        Assert.Contains("without a channel-bound SCRAM exchange", trusted.Message);
        Assert.Throws<ArgumentException>(() => new PgWireConnectionStringBuilder("Host=x;Channel Binding=Sometimes"));
    }

    /// <summary>A PEM file with an authority that issued nothing the server has.</summary>
    private string OtherAuthority()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=Some other CA", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var authority = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var path = Path.Combine(fixture.Directory, "other-root.crt");
        File.WriteAllText(path, authority.ExportCertificatePem());
        return path;
    }
}

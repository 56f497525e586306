using System.Diagnostics;
using System.Text;
using PgWire.Tests.Fakes;
using Xunit;

namespace PgWire.Tests.Security;

/// <summary>
/// A fake server tries every downgrade and shortcut of the login. The client refuses each before anything secret is
/// sent where the refusal can come that early, never accepts a login the server did not prove, and never puts the
/// password in an exception.
/// </summary>
public class AuthenticationDowngradeTests
{
    private const string Password = "sekrit-Pa55-\u00e9t\u00e9";

    private static readonly byte[] s_passwordBytes = Encoding.UTF8.GetBytes(Password);

    /// <summary>Logs in against the fake server; returns the exception (never null: each case must fail) after checking it is quick and secret-free.</summary>
    private static async Task<Exception> LoginFails(FakePgServer server, string extra = "")
    {
        await using var dataSource = PgWireDataSource.Create(server.ConnectionString($"Password={Password}" + (extra.Length > 0 ? ";" + extra : "")));
        var watch = Stopwatch.StartNew();
        var e = await Record.ExceptionAsync(async () => await dataSource.QueryAsync("SELECT 1"));
        Assert.NotNull(e);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), $"the client took {watch.Elapsed} to give up");
        Assert.Equal(0, dataSource.OpenConnectionCount);
        SecretScan.AssertNoSecret(e, Password);
        SecretScan.AssertNoSecret(dataSource.ToString()!, Password);
        SecretScan.AssertNoSecret(dataSource.ConnectionString, Password);
        return e;
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    [Theory]
    [InlineData(3, "a cleartext password")]
    [InlineData(5, "an MD5 password hash")]
    public async Task Channel_Binding_Require_refuses_a_password_request_before_sending_anything(int kind, string what)
    {
        // Issue 12, defect 2: the password (or its MD5 hash) used to go out, and the refusal came only at AuthenticationOk.
        await using var server = FakePgServer.Start(async session =>
        {
            await session.SendAsync(FakeSession.Frame('R', [.. FakeSession.Int32(kind), .. (kind == 5 ? new byte[] { 1, 2, 3, 4 } : [])]));
            var answer = await session.ReadAsync();
            if (answer.Type == 'p') await session.SendLoginOkAsync();
            await session.HoldAsync(TimeSpan.FromSeconds(3));
        });
        var e = await LoginFails(server, "Channel Binding=Require");
        Assert.IsType<PgWireException>(e);
        Assert.Contains("Channel Binding=Require", e.Message);
        Assert.Contains(what, e.Message);
        Assert.DoesNotContain("p", server.ReceivedTypes()); // no PasswordMessage
        Assert.False(Contains(server.AllReceived(), s_passwordBytes));
        Assert.False(Contains(server.AllReceived(), PgWire.Protocol.Md5Password.Compute("u", Password, [1, 2, 3, 4])));
    }

    [Fact]
    public async Task Channel_Binding_Require_refuses_trust_and_plain_SCRAM_without_TLS()
    {
        await using (var trust = FakePgServer.Start(async session =>
        {
            await session.SendLoginOkAsync();
            await session.HoldAsync(TimeSpan.FromSeconds(3));
        }))
        {
            var e = await LoginFails(trust, "Channel Binding=Require");
            Assert.Contains("without a channel-bound SCRAM exchange", e.Message);
        }

        await using var scram = FakePgServer.Start(async session =>
        {
            await session.SendAsync(ScramServer.Offer("SCRAM-SHA-256"));
            await session.HoldAsync(TimeSpan.FromSeconds(3));
        });
        var refused = await LoginFails(scram, "Channel Binding=Require");
        Assert.Contains("needs a TLS connection", refused.Message);
        Assert.Equal("", scram.ReceivedTypes().TrimEnd('X')); // not even the SASLInitialResponse
    }

    [Fact]
    public async Task AuthenticationOk_without_the_server_s_SCRAM_proof_is_refused()
    {
        // Issue 12, defect 3: AuthenticationOk right after the client's proof, with no SASLFinal, used to log in.
        await using var server = FakePgServer.Start(async session =>
        {
            var scram = new ScramServer(Password);
            await session.SendAsync(ScramServer.Offer("SCRAM-SHA-256"));
            var initial = await session.ReadAsync();
            await session.SendAsync(ScramServer.Continue(scram.ServerFirst(initial.Body)));
            await session.ReadAsync(); // client-final-message with the proof
            await session.SendLoginOkAsync(); // no SASLFinal
            await session.HoldAsync(TimeSpan.FromSeconds(3));
        });
        var e = await LoginFails(server);
        Assert.IsType<PgWireProtocolException>(e);
        Assert.Contains("without proving that it knows the password", e.Message);
    }

    [Fact]
    public async Task AuthenticationOk_right_after_the_first_SCRAM_message_is_refused_and_no_proof_is_sent()
    {
        await using var server = FakePgServer.Start(async session =>
        {
            await session.SendAsync(ScramServer.Offer("SCRAM-SHA-256"));
            await session.ReadAsync();
            await session.SendLoginOkAsync();
            await session.HoldAsync(TimeSpan.FromSeconds(3));
        });
        var e = await LoginFails(server);
        Assert.IsType<PgWireProtocolException>(e);
        Assert.Equal("p", server.ReceivedTypes().TrimEnd('X')); // the SASLInitialResponse only
    }

    [Fact]
    public async Task A_wrong_server_signature_is_refused()
    {
        await using var server = FakePgServer.Start(async session =>
        {
            var scram = new ScramServer(Password);
            await session.SendAsync(ScramServer.Offer("SCRAM-SHA-256"));
            var initial = await session.ReadAsync();
            await session.SendAsync(ScramServer.Continue(scram.ServerFirst(initial.Body)));
            var final = await session.ReadAsync();
            await session.SendAsync(ScramServer.Final(scram.ServerFinal(final.Body, wrongSignature: true)));
            await session.SendLoginOkAsync();
            await session.HoldAsync(TimeSpan.FromSeconds(3));
        });
        var e = await LoginFails(server);
        Assert.IsType<PgWireProtocolException>(e);
        Assert.Contains("signature does not match", e.Message);
    }

    [Fact]
    public async Task A_correct_SCRAM_exchange_logs_in_and_the_client_proves_the_password()
    {
        string? gs2 = null;
        await using var server = FakePgServer.Start(async session =>
        {
            var scram = new ScramServer(Password);
            await session.SendAsync(ScramServer.Offer("SCRAM-SHA-256"));
            var initial = await session.ReadAsync();
            await session.SendAsync(ScramServer.Continue(scram.ServerFirst(initial.Body)));
            var final = await session.ReadAsync();
            gs2 = scram.Gs2Header;
            await session.SendAsync(ScramServer.Final(scram.ServerFinal(final.Body)));
            await session.SendLoginOkAsync();
            await session.ServeEmptyCatalogAsync();
            await session.HoldAsync(TimeSpan.FromSeconds(3));
        });
        await using var dataSource = PgWireDataSource.Create(server.ConnectionString($"Password={Password}"));
        await using var connection = await dataSource.OpenConnectionAsync();
        Assert.Equal("n,,", gs2); // no TLS: the client could not bind, and says so
        Assert.False(Contains(server.AllReceived(), s_passwordBytes));
    }

    [Theory]
    [InlineData("other-nonce", null, "does not extend the client nonce")]
    [InlineData("", null, "does not extend the client nonce")] // exactly the client's nonce, nothing added
    [InlineData(null, "0", "iteration count")]
    [InlineData(null, "-1", "iteration count")]
    [InlineData(null, "100000000", "iteration count")]
    [InlineData(null, "4096x", "iteration count")]
    public async Task Hostile_server_first_messages_are_refused_before_the_proof_is_sent(string? nonce, string? iterations, string expected)
    {
        await using var server = FakePgServer.Start(async session =>
        {
            var scram = new ScramServer(Password);
            await session.SendAsync(ScramServer.Offer("SCRAM-SHA-256"));
            var initial = await session.ReadAsync();
            var first = scram.ServerFirst(initial.Body);
            first = scram.ServerFirst(initial.Body, nonce is null ? null : nonce.Length == 0 ? scram.ClientNonce : nonce, iterations);
            await session.SendAsync(ScramServer.Continue(first));
            await session.HoldAsync(TimeSpan.FromSeconds(3));
        });
        var e = await LoginFails(server);
        Assert.IsType<PgWireProtocolException>(e);
        Assert.Contains(expected, e.Message);
        Assert.Equal("p", server.ReceivedTypes().TrimEnd('X')); // no client-final-message (then Terminate): no proof derived from the password left
    }

    [Fact]
    public async Task SASL_messages_out_of_order_are_protocol_errors()
    {
        // SASLFinal before SASLContinue.
        await using (var early = FakePgServer.Start(async session =>
        {
            await session.SendAsync(ScramServer.Offer("SCRAM-SHA-256"));
            await session.ReadAsync();
            await session.SendAsync(ScramServer.Final("v=AAAA"u8.ToArray()));
            await session.HoldAsync(TimeSpan.FromSeconds(3));
        }))
        {
            var e = await LoginFails(early);
            Assert.IsType<PgWireProtocolException>(e);
            Assert.Contains("before the client's proof", e.Message);
        }

        // A second SASLContinue.
        await using (var twice = FakePgServer.Start(async session =>
        {
            var scram = new ScramServer(Password);
            await session.SendAsync(ScramServer.Offer("SCRAM-SHA-256"));
            var initial = await session.ReadAsync();
            var first = scram.ServerFirst(initial.Body);
            await session.SendAsync(ScramServer.Continue(first));
            await session.ReadAsync();
            await session.SendAsync(ScramServer.Continue(first));
            await session.HoldAsync(TimeSpan.FromSeconds(3));
        }))
        {
            var e = await LoginFails(twice);
            Assert.Contains("second AuthenticationSASLContinue", e.Message);
        }

        // A switch to a cleartext password in the middle of SCRAM.
        await using var switched = FakePgServer.Start(async session =>
        {
            await session.SendAsync(ScramServer.Offer("SCRAM-SHA-256"));
            await session.ReadAsync();
            await session.SendAsync(FakeSession.Frame('R', FakeSession.Int32(3)));
            await session.HoldAsync(TimeSpan.FromSeconds(3));
        });
        var switchError = await LoginFails(switched);
        Assert.Contains("in the middle of a SCRAM-SHA-256 exchange", switchError.Message);
        Assert.False(Contains(switched.AllReceived(), s_passwordBytes));
    }

    [Fact]
    public async Task A_server_offering_only_unknown_SASL_mechanisms_gets_nothing()
    {
        await using var server = FakePgServer.Start(async session =>
        {
            await session.SendAsync(ScramServer.Offer("SCRAM-SHA-1", "PLAIN"));
            await session.HoldAsync(TimeSpan.FromSeconds(3));
        });
        var e = await LoginFails(server);
        Assert.Contains("SCRAM-SHA-1, PLAIN", e.Message);
        Assert.Equal("", server.ReceivedTypes().TrimEnd('X'));
    }

    [Fact]
    public async Task A_FATAL_error_during_login_names_the_problem_and_never_the_password()
    {
        await using var server = FakePgServer.Start(async session =>
        {
            await session.SendAsync(FakeSession.Frame('R', FakeSession.Int32(3)));
            await session.ReadAsync();
            await session.SendAsync(FakeSession.Error("FATAL", "28P01", "password authentication failed for user \"u\""));
        });
        var e = await LoginFails(server);
        Assert.Equal("28P01", Assert.IsType<PgWireServerException>(e).SqlState);
    }

    /// <summary>A SCRAM exchange to the end over TLS; returns what the client chose and sent.</summary>
    private static FakePgServer TlsScram(string[] offer, List<ScramServer> seen) => FakePgServer.Start(async session =>
    {
        var scram = new ScramServer(Password);
        lock (seen) seen.Add(scram);
        await session.SendAsync(ScramServer.Offer(offer));
        var initial = await session.ReadAsync();
        if (initial.Type != 'p') return;
        await session.SendAsync(ScramServer.Continue(scram.ServerFirst(initial.Body)));
        var final = await session.ReadAsync();
        await session.SendAsync(ScramServer.Final(scram.ServerFinal(final.Body)));
        await session.SendLoginOkAsync();
        await session.ServeEmptyCatalogAsync();
        await session.HoldAsync(TimeSpan.FromSeconds(3));
    }, tls: true);

    [Fact]
    public async Task Over_TLS_the_client_binds_to_the_certificate_it_saw_when_the_server_offers_PLUS()
    {
        var seen = new List<ScramServer>();
        await using var server = TlsScram(["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"], seen);
        await using var dataSource = PgWireDataSource.Create(server.ConnectionString($"Password={Password};SSL Mode=Require"));
        await using var connection = await dataSource.OpenConnectionAsync();
        Assert.True(connection.IsSecure);
        Assert.Equal("SCRAM-SHA-256-PLUS", seen[0].Mechanism);
        Assert.Equal("p=tls-server-end-point,,", seen[0].Gs2Header);
        Assert.Equal(server.CertificateHash, seen[0].ChannelBindingData);
    }

    [Fact]
    public async Task Over_TLS_a_stripped_PLUS_is_flagged_to_the_server_under_Prefer_and_refused_under_Require()
    {
        // A machine in the middle removes SCRAM-SHA-256-PLUS from the offer: the client says "y" (it could have bound),
        // so a real server that did offer PLUS fails the login; under Require nothing is sent at all.
        var seen = new List<ScramServer>();
        await using (var stripped = TlsScram(["SCRAM-SHA-256"], seen))
        {
            await using var dataSource = PgWireDataSource.Create(stripped.ConnectionString($"Password={Password};SSL Mode=Require"));
            await using var connection = await dataSource.OpenConnectionAsync();
            Assert.Equal("SCRAM-SHA-256", seen[0].Mechanism);
            Assert.Equal("y,,", seen[0].Gs2Header);
            Assert.Empty(seen[0].ChannelBindingData);
        }

        await using var required = TlsScram(["SCRAM-SHA-256"], []);
        var e = await LoginFails(required, "SSL Mode=Require;Channel Binding=Require");
        Assert.Contains("offers only SCRAM-SHA-256", e.Message);
        Assert.Equal("", required.ReceivedTypes().TrimEnd('X'));
    }

    [Fact]
    public async Task PLUS_alone_without_TLS_is_refused_and_gets_nothing()
    {
        await using var server = FakePgServer.Start(async session =>
        {
            await session.SendAsync(ScramServer.Offer("SCRAM-SHA-256-PLUS"));
            await session.HoldAsync(TimeSpan.FromSeconds(3));
        });
        var e = await LoginFails(server);
        Assert.Contains("SCRAM-SHA-256-PLUS", e.Message);
        Assert.Equal("", server.ReceivedTypes().TrimEnd('X'));
    }
}

using System.Text;
using PgWire.Protocol;
using Xunit;

namespace PgWire.Tests.Protocol;

public class AuthenticationMathTests
{
    [Fact]
    public void Md5_password_matches_the_server_formula()
    {
        // "md5" + md5(md5("secret" + "postgres") hex + salt) hex, computed independently with Python's hashlib.
        var answer = Md5Password.Compute("postgres", "secret", [1, 2, 3, 4]);
        Assert.Equal("md5bb41a296aab6baccb36ff243a562abff", Encoding.ASCII.GetString(answer));
    }

    [Fact]
    public void Scram_matches_the_RFC_7677_test_vector()
    {
        var scram = new ScramSha256("rOprNGfwEbeRWgbNEkqO", "user");
        Assert.Equal("n,,n=user,r=rOprNGfwEbeRWgbNEkqO", Encoding.ASCII.GetString(scram.CreateClientFirstMessage()));
        var final = scram.CreateClientFinalMessage(
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"u8, "pencil");
        Assert.Equal("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
            Encoding.ASCII.GetString(final));
        // RFC 7677 section 3; the server signature was also recomputed independently with Python hashlib/hmac.
        scram.VerifyServerFinalMessage("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="u8);
    }

    [Fact]
    public void Scram_with_channel_binding_sends_the_header_and_the_certificate_hash_in_c()
    {
        byte[] hash = [1, 2, 3, 250, 251, 252];
        var bound = new ScramSha256("abc", "", hash);
        Assert.True(bound.IsBound);
        Assert.Equal("p=tls-server-end-point,,n=,r=abc", Encoding.ASCII.GetString(bound.CreateClientFirstMessage()));
        var final = Encoding.ASCII.GetString(bound.CreateClientFinalMessage("r=abcXYZ,s=QUJD,i=4096"u8, "pw"));
        // c= is base64 of the gs2 header followed by the binding data (RFC 5802 section 7).
        Assert.StartsWith("c=" + Convert.ToBase64String([.. "p=tls-server-end-point,,"u8.ToArray(), .. hash]) + ",r=abcXYZ,p=", final);

        // A client that could bind but was not offered PLUS says "y"; the flag is in c= too, so the server sees it.
        var couldHave = new ScramSha256("abc", "", null, couldBind: true);
        Assert.False(couldHave.IsBound);
        Assert.Equal("y,,n=,r=abc", Encoding.ASCII.GetString(couldHave.CreateClientFirstMessage()));
        Assert.StartsWith("c=eSws,", Encoding.ASCII.GetString(couldHave.CreateClientFinalMessage("r=abcXYZ,s=QUJD,i=4096"u8, "pw")));
    }

    [Fact]
    public void Scram_refuses_a_wrong_server_signature()
    {
        var scram = new ScramSha256("rOprNGfwEbeRWgbNEkqO", "user");
        scram.CreateClientFinalMessage("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"u8, "pencil");
        var e = Assert.Throws<PgWireProtocolException>(() => scram.VerifyServerFinalMessage("v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="u8));
        Assert.Contains("does not match", e.Message);
    }

    [Theory]
    [InlineData("r=abcXYZ,s=QUJD,i=0")]
    [InlineData("r=abcXYZ,s=QUJD,i=100000000")]
    [InlineData("r=abcXYZ,s=QUJD,i=-5")]
    public void Scram_refuses_absurd_iteration_counts_before_hashing(string serverFirst)
    {
        var scram = new ScramSha256("abc");
        var e = Assert.Throws<PgWireProtocolException>(() => scram.CreateClientFinalMessage(Encoding.ASCII.GetBytes(serverFirst), "pw"));
        Assert.Contains("iteration count", e.Message);
    }

    [Fact]
    public void Scram_refuses_a_server_nonce_that_does_not_extend_ours()
    {
        var scram = new ScramSha256("abc");
        Assert.Throws<PgWireProtocolException>(() => scram.CreateClientFinalMessage("r=zzzXYZ,s=QUJD,i=4096"u8, "pw"));
    }

    [Theory]
    [InlineData("I\u00ADX", "IX")] // soft hyphen is mapped to nothing (RFC 4013 section 3 example)
    [InlineData("user", "user")]
    [InlineData("USER", "USER")]
    [InlineData("\u00AA", "a")] // NFKC
    [InlineData("\u2168", "IX")] // NFKC
    [InlineData("a\u00A0b", "a b")] // non-ASCII space mapped to space
    public void SaslPrep_follows_the_RFC_4013_examples(string input, string expected)
    {
        Assert.True(SaslPrep.TryPrepare(input, out var prepared));
        Assert.Equal(expected, prepared);
    }

    [Theory]
    [InlineData("\u0007")] // prohibited control character
    [InlineData("\u0627\u0031")] // bidi: RandALCat string must end with RandALCat
    [InlineData("a\uE000")] // private use
    public void SaslPrep_rejects_what_RFC_4013_prohibits_and_the_raw_password_is_used(string input)
    {
        Assert.False(SaslPrep.TryPrepare(input, out _));
        Assert.Equal(Encoding.UTF8.GetBytes(input), SaslPrep.PrepareOrRaw(input));
    }
}

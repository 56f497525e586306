using Xunit;

namespace PgWire.Tests.Data;

public class ConnectionStringBuilderTests
{
    [Fact]
    public void Synonyms_and_case_map_to_the_typed_properties()
    {
        var builder = new PgWireConnectionStringBuilder(
            "server=db.example;PORT=6543;User Id=app;pwd=s3cret;DB=shop;Max Pool Size=8;MinPoolSize=2;Application Name=svc;Command Timeout=5;Pooling=false");
        Assert.Equal("db.example", builder.Host);
        Assert.Equal(6543, builder.Port);
        Assert.Equal("app", builder.Username);
        Assert.Equal("s3cret", builder.Password);
        Assert.Equal("shop", builder.Database);
        Assert.Equal(8, builder.MaxPoolSize);
        Assert.Equal(2, builder.MinPoolSize);
        Assert.Equal("svc", builder.ApplicationName);
        Assert.Equal(5, builder.CommandTimeout);
        Assert.False(builder.Pooling);
    }

    [Fact]
    public void Defaults_are_Npgsql_s()
    {
        var builder = new PgWireConnectionStringBuilder("Host=x");
        Assert.Equal(5432, builder.Port);
        Assert.Equal(100, builder.MaxPoolSize);
        Assert.Equal(15, builder.Timeout);
        Assert.Equal(30, builder.CommandTimeout);
        Assert.Equal(300, builder.ConnectionIdleLifetime);
        Assert.True(builder.Pooling);
        Assert.Equal(SslMode.Prefer, builder.SslMode);
        Assert.Equal(ChannelBinding.Prefer, builder.ChannelBinding);
    }

    [Theory]
    [InlineData("disable", SslMode.Disable)]
    [InlineData("ALLOW", SslMode.Allow)]
    [InlineData("require", SslMode.Require)]
    [InlineData("verify-ca", SslMode.VerifyCA)]
    [InlineData("verify_full", SslMode.VerifyFull)]
    [InlineData("VerifyFull", SslMode.VerifyFull)]
    public void Ssl_modes_are_accepted_in_libpq_and_Npgsql_spellings(string given, SslMode expected)
    {
        var builder = new PgWireConnectionStringBuilder("Host=x;sslmode=" + given);
        Assert.Equal(expected, builder.SslMode);
        builder.SslMode = SslMode.Require;
        Assert.Contains("SSL Mode=Require", builder.ConnectionString);
    }

    [Fact]
    public void An_unknown_keyword_is_an_ArgumentException_naming_it()
    {
        var e = Assert.Throws<ArgumentException>(() => new PgWireConnectionStringBuilder("Host=x;Frobnicate=1"));
        Assert.Contains("frobnicate", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("Port=abc", "Port")]
    [InlineData("Port=70000", "Port")]
    [InlineData("Maximum Pool Size=0", "Maximum Pool Size")]
    [InlineData("Pooling=maybe", "Pooling")]
    [InlineData("SSL Mode=Sometimes", "SSL Mode")]
    public void A_bad_value_is_an_ArgumentException_naming_the_keyword(string pair, string keyword)
    {
        var e = Assert.Throws<ArgumentException>(() => new PgWireConnectionStringBuilder("Host=x;" + pair));
        Assert.Contains(keyword, e.Message);
    }

    [Fact]
    public void The_password_never_shows_in_ToString_or_a_data_source()
    {
        var builder = new PgWireConnectionStringBuilder("Host=x;Username=u;Password=hunter2-secret;SSL Certificate=c.pfx;SSL Password=key-pass-secret");
        Assert.DoesNotContain("hunter2-secret", builder.ToString());
        Assert.DoesNotContain("key-pass-secret", builder.ToString());
        using var dataSource = PgWireDataSource.Create(builder);
        Assert.DoesNotContain("hunter2-secret", dataSource.ConnectionString);
        Assert.DoesNotContain("hunter2-secret", dataSource.ToString());
        Assert.DoesNotContain("key-pass-secret", dataSource.ConnectionString);
        Assert.DoesNotContain("key-pass-secret", dataSource.ToString());
        Assert.Contains("Host=x", dataSource.ConnectionString);
    }

    [Fact]
    public void A_data_source_without_Host_takes_libpq_s_default_and_a_bad_host_list_is_refused()
    {
        // As psql: no Host (and no PGHOST) is the local server (its socket directory, else localhost).
        using var dataSource = PgWireDataSource.Create("Username=u");
        Assert.DoesNotContain("Host=", dataSource.ConnectionString, StringComparison.Ordinal);
        var e = Assert.Throws<ArgumentException>(() => PgWireDataSource.Create("Host=a,,b"));
        Assert.Contains("Host", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Minimum_above_maximum_is_refused() =>
        Assert.Throws<ArgumentException>(() => PgWireDataSource.Create("Host=x;Minimum Pool Size=5;Maximum Pool Size=2"));
}

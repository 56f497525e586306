using PgWire.Configuration;
using Xunit;

namespace PgWire.Tests.Configuration;

/// <summary>URIs and libpq keyword=value strings (the examples of libpq's documentation) read into the same settings as Npgsql-style strings.</summary>
public class ConnectionFormsTests
{
    [Theory]
    [InlineData("postgresql://", "", 5432, "", "")]
    [InlineData("postgresql://localhost", "localhost", 5432, "", "")]
    [InlineData("postgresql://localhost:5433", "localhost", 5433, "", "")]
    [InlineData("postgresql://localhost/mydb", "localhost", 5432, "mydb", "")]
    [InlineData("postgresql://user@localhost", "localhost", 5432, "", "user")]
    [InlineData("postgres://other@localhost/otherdb?connect_timeout=10&application_name=myapp", "localhost", 5432, "otherdb", "other")]
    [InlineData("postgresql:///mydb?host=localhost&port=5433", "localhost", 5433, "mydb", "")]
    [InlineData("postgresql://[2001:db8::1234]/database", "2001:db8::1234", 5432, "database", "")]
    [InlineData("postgresql:///dbname?host=/var/lib/postgresql", "/var/lib/postgresql", 5432, "dbname", "")]
    [InlineData("postgresql://%2Fvar%2Flib%2Fpostgresql/dbname", "/var/lib/postgresql", 5432, "dbname", "")]
    public void Libpq_documented_URIs_read_as_libpq_reads_them(string uri, string host, int port, string database, string user)
    {
        var builder = new PgWireConnectionStringBuilder(uri);
        Assert.Equal(host, builder.Host);
        Assert.Equal(port, builder.Port);
        Assert.Equal(database, builder.Database);
        Assert.Equal(user, builder.Username);
    }

    [Fact]
    public void A_URI_carries_password_percent_encoding_several_hosts_and_parameters()
    {
        var builder = new PgWireConnectionStringBuilder(
            "postgresql://app:p%40ss%3Aw%2Fd%20%C3%A9@host1:123,host2:456,[::1]/some%20db?target_session_attrs=read-write&load_balance_hosts=random&sslmode=verify-full&application_name=my%20app&options=-c%20search_path%3Dapp");
        Assert.Equal("app", builder.Username);
        Assert.Equal("p@ss:w/d \u00e9", builder.Password);
        Assert.Equal("host1:123,host2:456,[::1]", builder.Host);
        Assert.Equal("some db", builder.Database);
        Assert.Equal(TargetSession.ReadWrite, builder.TargetSessionAttributes);
        Assert.True(builder.LoadBalanceHosts);
        Assert.Equal(SslMode.VerifyFull, builder.SslMode);
        Assert.Equal("my app", builder.ApplicationName);
        Assert.Equal("-c search_path=app", builder.Options);
        Assert.Equal(
            [new HostEndpoint("host1", 123), new HostEndpoint("host2", 456), new HostEndpoint("::1", 5432)],
            HostList.Parse(builder.Host, builder.Port));
    }

    [Fact]
    public void Libpq_keyword_value_strings_map_onto_the_same_settings()
    {
        var builder = new PgWireConnectionStringBuilder(
            "host=db1,db2 port=5432,5433 dbname = 'my db' user=app password='it\\'s a secret' connect_timeout=7 sslmode=require " +
            "target_session_attrs=prefer-standby keepalives_idle=30 application_name=svc options='-c statement_timeout=5s'");
        Assert.Equal("db1:5432,db2:5433", builder.Host);
        Assert.Equal("my db", builder.Database);
        Assert.Equal("app", builder.Username);
        Assert.Equal("it's a secret", builder.Password);
        Assert.Equal(7, builder.Timeout);
        Assert.Equal(SslMode.Require, builder.SslMode);
        Assert.Equal(TargetSession.PreferStandby, builder.TargetSessionAttributes);
        Assert.Equal(30, builder.TcpKeepAliveTime);
        Assert.Equal("svc", builder.ApplicationName);
        Assert.Equal("-c statement_timeout=5s", builder.Options);
        // The same settings in every form, and the builder writes the Npgsql form back.
        var npgsqlForm = new PgWireConnectionStringBuilder(builder.ConnectionString);
        Assert.Equal(builder.Host, npgsqlForm.Host);
        Assert.Equal(builder.Password, npgsqlForm.Password);
        Assert.Equal(TargetSession.PreferStandby, npgsqlForm.TargetSessionAttributes);
    }

    [Fact]
    public void The_string_of_the_issue_is_read_as_libpq_and_its_password_never_appears_in_an_error()
    {
        var builder = new PgWireConnectionStringBuilder("host=127.0.0.1 port=5452 user=postgres password=hunter2secret dbname=postgres");
        Assert.Equal("127.0.0.1", builder.Host);
        Assert.Equal(5452, builder.Port);
        Assert.Equal("hunter2secret", builder.Password);

        foreach (var bad in (string[])[
            "host=127.0.0.1 port=5452 user=postgres password=hunter2secret dbnme=postgres",
            "host=127.0.0.1 password=hunter2 secret dbname=postgres",
            "host=127.0.0.1 password='hunter2secret dbname=postgres",
            "postgresql://u:hunter2secret@h:99999/db",
            "postgresql://u:hunter2secret@h/db?port",
            "postgresql://u:hunter2secret%zz@h/db",
            "Host=127.0.0.1 port=5452 password=hunter2secret;Pooling=false",
        ])
        {
            var e = Assert.Throws<ArgumentException>(() => new PgWireConnectionStringBuilder(bad));
            Assert.DoesNotContain("hunter2", e.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("host=x dbnme=y", "'dbnme' is not a keyword")]
    [InlineData("host=x port=1,2,3", "3 entries for 1 host")]
    [InlineData("postgresql://h:70000/db", "port of host 'h'")]
    [InlineData("postgresql://[::1/db", "no closing ']'")]
    [InlineData("postgresql://h/db?frob=1", "Unknown keyword 'frob' in the connection URI")]
    [InlineData("postgresql://h/db?%zz=1", "percent-encoding in a parameter name")]
    [InlineData("host=x krbsrvname=postgres", "no Kerberos")]
    [InlineData("host=x gssencmode=require", "no GSSAPI")]
    [InlineData("host=x target_session_attrs=master", "use any, read-write")]
    [InlineData("host=x client_encoding=LATIN1", "only UTF8")]
    public void Parsing_errors_name_the_part_that_is_wrong(string text, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => new PgWireConnectionStringBuilder(text));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Npgsql_style_values_that_hold_pairs_stay_Npgsql_style()
    {
        var builder = new PgWireConnectionStringBuilder("Options=-c search_path=app -c work_mem=64MB");
        Assert.Equal("-c search_path=app -c work_mem=64MB", builder.Options);
        Assert.Equal("", builder.Host);
        // One pair reads the same in both forms; libpq's names are synonyms everywhere.
        Assert.Equal("shop", new PgWireConnectionStringBuilder("dbname=shop").Database);
        Assert.Equal("shop", new PgWireConnectionStringBuilder("Host=x;dbname=shop;sslrootcert=/ca.pem").Database);
    }

    [Fact]
    public void Harmless_values_of_libpq_keywords_without_a_setting_are_accepted_and_others_refused_with_the_reason()
    {
        var builder = new PgWireConnectionStringBuilder("host=x sslcompression=0 sslsni=1 gssencmode=prefer");
        Assert.Equal("x", builder.Host);
        var e = Assert.Throws<ArgumentException>(() => new PgWireConnectionStringBuilder("host=x hostaddr=10.0.0.1"));
        Assert.Contains("hostaddr", e.Message, StringComparison.Ordinal);
        Assert.Contains("give the address in Host", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a,b:5433,[::1]:5434,::2,/tmp,/var/run/pg:6000", 5432, "a:5432 b:5433 [::1]:5434 [::2]:5432 /tmp:5432 /var/run/pg:6000")]
    [InlineData(" db1 , db2 ", 6000, "db1:6000 db2:6000")]
    public void Host_lists_give_each_host_its_port(string hosts, int port, string expected)
    {
        Assert.Equal(expected, string.Join(' ', HostList.Parse(hosts, port).Select(h => h.ToString())));
    }

    [Theory]
    [InlineData("a,,b", "entry 2 of 3 is empty")]
    [InlineData("a:x", "port of host 'a'")]
    [InlineData("[::1", "without closing")]
    public void Bad_host_lists_are_named(string hosts, string expected)
    {
        var e = Assert.Throws<FormatException>(() => HostList.Parse(hosts, 5432));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}

using Xunit;

namespace PgWire.Tests.Server;

public enum BuilderShade { Light, Dark }

[Collection(ServerCollection.Name)]
public class DataSourceBuilderTests(ServerFixture fixture)
{
    [Fact]
    public async Task A_built_data_source_keeps_the_settings_it_was_built_with()
    {
        var builder = fixture.CreateDataSourceBuilder("Application Name=first");
        await using var first = builder.Build();
        builder.ConnectionStringBuilder.ApplicationName = "second";
        builder.ConnectionStringBuilder.MaxPoolSize = 3;
        builder.ConnectionStringBuilder.Password = "secret-not-shown"; // the test server trusts this role: unused
        await using var second = builder.Build();

        using (var rows = await first.QueryAsync("SELECT current_setting('application_name')"))
            Assert.Equal("first", rows[0].Get<string>(0));
        using (var rows = await second.QueryAsync("SELECT current_setting('application_name')"))
            Assert.Equal("second", rows[0].Get<string>(0));
        Assert.Contains("Maximum Pool Size=3", second.ConnectionString);
        Assert.DoesNotContain("Maximum Pool Size", first.ConnectionString);
        Assert.DoesNotContain("secret-not-shown", second.ConnectionString); // the data source shows no secret
        Assert.Contains("secret-not-shown", builder.ConnectionString);      // the builder holds what it was given
    }

    [Fact]
    public async Task Mappings_and_notice_handlers_apply_to_the_data_sources_built_after_them()
    {
        await using (var setup = fixture.CreateDataSource())
            await setup.ExecuteAsync("DROP TYPE IF EXISTS builder_shade; CREATE TYPE builder_shade AS ENUM ('light', 'dark')");
        var heard = new List<string>();
        var builder = fixture.CreateDataSourceBuilder();
        await using var plain = builder.Build();
        builder.MapEnum<BuilderShade>("builder_shade")
            .UseNoticeHandler((_, e) => heard.Add("one " + e.Notice.MessageText))
            .UseNoticeHandler((sender, e) => heard.Add($"two {e.Notice.MessageText} {sender is PgWireDataSource}"));
        await using var mapped = builder.Build();

        using (var rows = await mapped.QueryAsync("SELECT $1, pg_typeof($1)::text, 'dark'::builder_shade", BuilderShade.Dark))
        {
            Assert.Equal("builder_shade", rows[0].Get<string>(1));
            Assert.Equal(typeof(BuilderShade), rows.Columns[2].ClrType);
            Assert.Equal(BuilderShade.Dark, rows[0].Get<object>(2));
        }
        using (var rows = await plain.QueryAsync("SELECT 'dark'::builder_shade"))
            Assert.Equal("dark", rows[0].Get<object>(0)); // built before the mapping: the label

        await plain.ExecuteAsync("DO $$ BEGIN RAISE NOTICE 'unheard'; END $$");
        await mapped.ExecuteAsync("DO $$ BEGIN RAISE NOTICE 'heard'; END $$");
        Assert.Equal(["one heard", "two heard True"], heard);
    }

    [Fact]
    public void The_builder_checks_what_it_is_given()
    {
        Assert.Throws<ArgumentException>(() => new PgWireDataSourceBuilder("Hots=x"));
        var builder = new PgWireDataSourceBuilder();
        Assert.Throws<ArgumentException>(() => builder.MapEnum<BuilderShade>(" "));
        Assert.Throws<ArgumentException>(() => builder.MapComposite<int>("t"));
        Assert.Throws<ArgumentNullException>(() => builder.UseNoticeHandler(null!));
        builder.UsePasswordProvider((_, _) => ValueTask.FromResult("p"));
        builder.ConnectionStringBuilder.Password = "s3cret-pw";
        var both = Assert.Throws<ArgumentException>(() => builder.Build());
        Assert.Contains("password provider", both.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", both.Message, StringComparison.Ordinal);
    }
}

using Xunit;

namespace PgWire.Tests.Data;

public class SqlRewriterTests
{
    private static RewrittenStatement Single(string sql, params string?[] names) => Assert.Single(SqlRewriter.Rewrite(sql, names));

    [Fact]
    public void Named_parameters_become_numbered_placeholders_in_first_use_order()
    {
        var statement = Single("SELECT * FROM t WHERE a = @b AND c = @a OR d = @b", "a", "b");
        Assert.Equal("SELECT * FROM t WHERE a = $1 AND c = $2 OR d = $1", statement.Sql);
        Assert.Equal([1, 0], statement.ParameterIndices);
    }

    [Fact]
    public void Colon_names_and_prefixed_parameter_names_work()
    {
        var statement = Single("UPDATE t SET v = :value WHERE id = @id", "@id", ":value");
        Assert.Equal("UPDATE t SET v = $1 WHERE id = $2", statement.Sql);
        Assert.Equal([1, 0], statement.ParameterIndices);
    }

    [Theory]
    [InlineData("SELECT '@a', @a", "SELECT '@a', $1")]
    [InlineData("SELECT 'it''s @a', @a", "SELECT 'it''s @a', $1")]
    [InlineData("SELECT E'\\' @a', @a", "SELECT E'\\' @a', $1")]
    [InlineData("SELECT $$ @a $$, @a", "SELECT $$ @a $$, $1")]
    [InlineData("SELECT $tag$ @a $x$ @a $tag$, @a", "SELECT $tag$ @a $x$ @a $tag$, $1")]
    [InlineData("SELECT \"@a\" FROM t WHERE x = @a", "SELECT \"@a\" FROM t WHERE x = $1")]
    [InlineData("SELECT @a -- @a ; not a statement\n", "SELECT $1 -- @a ; not a statement")]
    [InlineData("SELECT /* @a /* nested @a */ still ; */ @a", "SELECT /* @a /* nested @a */ still ; */ $1")]
    [InlineData("SELECT @a::int, x::text", "SELECT $1::int, x::text")]
    [InlineData("SELECT arr[1:2], arr[lo:hi], @a", "SELECT arr[1:2], arr[lo:hi], $1")]
    [InlineData("SELECT '{1}'::int[] @> '{1}', @a", "SELECT '{1}'::int[] @> '{1}', $1")]
    [InlineData("SELECT user@a", "SELECT user@a")]
    public void Literals_comments_quoted_identifiers_and_casts_are_untouched(string sql, string expected) =>
        Assert.Equal(expected, Single(sql, "a").Sql);

    [Fact]
    public void Statements_split_at_top_level_semicolons_each_with_its_own_numbering()
    {
        var statements = SqlRewriter.Rewrite("INSERT INTO t VALUES (@x); SELECT ';', @y, @x ;; ", ["x", "y"]);
        Assert.Equal(2, statements.Count);
        Assert.Equal("INSERT INTO t VALUES ($1)", statements[0].Sql);
        Assert.Equal([0], statements[0].ParameterIndices);
        Assert.Equal("SELECT ';', $1, $2", statements[1].Sql);
        Assert.Equal([1, 0], statements[1].ParameterIndices);
    }

    [Fact]
    public void Positional_parameters_are_renumbered_per_statement()
    {
        var statements = SqlRewriter.Rewrite("SELECT $2; SELECT $1 + $2", [null, null]);
        Assert.Equal("SELECT $1", statements[0].Sql);
        Assert.Equal([1], statements[0].ParameterIndices);
        Assert.Equal("SELECT $1 + $2", statements[1].Sql);
        Assert.Equal([0, 1], statements[1].ParameterIndices);
    }

    [Fact]
    public void A_placeholder_without_a_parameter_is_a_clear_error()
    {
        var e = Assert.Throws<InvalidOperationException>(() => SqlRewriter.Rewrite("SELECT @missing", ["present"]));
        Assert.Contains("@missing", e.Message);
        var positional = Assert.Throws<InvalidOperationException>(() => SqlRewriter.Rewrite("SELECT $3", [null]));
        Assert.Contains("$3", positional.Message);
    }

    [Fact]
    public void Mixing_named_and_positional_parameters_is_refused() =>
        Assert.Throws<InvalidOperationException>(() => SqlRewriter.Rewrite("SELECT @a, $1", ["a", null]));

    [Fact]
    public void Text_without_parameters_is_only_split()
    {
        var statements = SqlRewriter.Rewrite("CREATE TABLE x (v int); INSERT INTO x VALUES (1)", []);
        Assert.Equal(["CREATE TABLE x (v int)", "INSERT INTO x VALUES (1)"], statements.Select(s => s.Sql));
    }

    [Theory]
    [InlineData("SELECT * FROM t WHERE id IN @ids", "SELECT * FROM t WHERE id = ANY($1)")]
    [InlineData("SELECT * FROM t WHERE id in\n  @ids AND x = 1", "SELECT * FROM t WHERE id = ANY($1) AND x = 1")]
    [InlineData("SELECT * FROM t WHERE id NOT IN @ids", "SELECT * FROM t WHERE id <> ALL($1)")]
    [InlineData("SELECT * FROM t WHERE id not  in @ids", "SELECT * FROM t WHERE id <> ALL($1)")]
    [InlineData("SELECT * FROM t WHERE id IN (@ids)", "SELECT * FROM t WHERE id IN ($1)")]
    [InlineData("SELECT * FROM t WHERE id = ANY(@ids)", "SELECT * FROM t WHERE id = ANY($1)")]
    [InlineData("SELECT * FROM t WHERE login @ids", "SELECT * FROM t WHERE login $1")]
    [InlineData("SELECT * FROM t WHERE \"in\" @ids", "SELECT * FROM t WHERE \"in\" $1")]
    [InlineData("SELECT 'x IN @ids' WHERE a IN @ids", "SELECT 'x IN @ids' WHERE a = ANY($1)")]
    public void IN_with_a_bare_placeholder_becomes_an_array_comparison(string sql, string expected) =>
        Assert.Equal(expected, Single(sql, "ids").Sql);
}

using System.Buffers.Binary;
using PgWire.Protocol;
using Xunit;

namespace PgWire.Tests.Protocol;

public class BackendMessageTests
{
    // Int16 1 field: "id\0", table 16384, attnum 1, type 23, size 4, typmod -1, format 1
    private static readonly byte[] s_rowDescription =
        [0, 1, (byte)'i', (byte)'d', 0, 0, 0, 0x40, 0, 0, 1, 0, 0, 0, 23, 0, 4, 0xFF, 0xFF, 0xFF, 0xFF, 0, 1];

    // Int16 2 columns: NULL, then 4 bytes
    private static readonly byte[] s_dataRow = [0, 2, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 4, 0, 0, 0, 42];

    private static readonly byte[] s_error =
        "SERROR\0VERROR\0C23505\0Mduplicate key\0Dkey (id)=(1) exists\0P12\0ttbl\0nconstr\0sscm\0\0"u8.ToArray();

    [Fact]
    public void RowDescription_parses_every_field()
    {
        var field = Assert.Single(RowDescription.Parse(s_rowDescription));
        Assert.Equal(new FieldDescription("id", 16384, 1, 23, 4, -1, FormatCode.Binary), field);
    }

    [Fact]
    public void DataRow_finds_columns_and_nulls()
    {
        var offsets = new int[2];
        DataRow.ValidateAndIndex(s_dataRow, offsets);
        Assert.Equal([-1, 10], offsets);
        var stored = new byte[DataRow.StoredLength(s_dataRow.Length, 2)];
        DataRow.Store(s_dataRow, 2, stored);
        Assert.False(DataRow.TryGetStoredColumn(stored, 2, 0, out _));
        Assert.True(DataRow.TryGetStoredColumn(stored, 2, 1, out var value));
        Assert.Equal(42, BinaryPrimitives.ReadInt32BigEndian(value));
    }

    [Fact]
    public void ErrorResponse_keeps_every_field()
    {
        var fields = ErrorResponse.Parse(s_error);
        Assert.Equal("ERROR", fields.Severity);
        Assert.Equal("23505", fields.SqlState);
        Assert.Equal("duplicate key", fields.MessageText);
        Assert.Equal("key (id)=(1) exists", fields.Detail);
        Assert.Equal(12, fields.Position);
        Assert.Equal("tbl", fields.TableName);
        Assert.Equal("constr", fields.ConstraintName);
        Assert.Equal("scm", fields.SchemaName);
    }

    public static TheoryData<string, byte[]> ValidBodies() => new()
    {
        { "RowDescription", s_rowDescription },
        { "DataRow", s_dataRow },
        { "ErrorResponse", s_error },
        { "ParameterStatus", "TimeZone\0UTC\0"u8.ToArray() },
        { "BackendKeyData", [0, 0, 0, 1, 0, 0, 0, 2] },
        { "CommandComplete", "INSERT 0 5\0"u8.ToArray() },
        { "ParameterDescription", [0, 2, 0, 0, 0, 23, 0, 0, 0, 25] },
    };

    [Theory]
    [MemberData(nameof(ValidBodies))]
    public void Every_truncation_of_a_message_is_a_protocol_exception(string message, byte[] body)
    {
        Parse(message, body); // whole: fine
        for (var length = 0; length < body.Length; length++)
        {
            var truncated = body[..length];
            Assert.Throws<PgWireProtocolException>(() => Parse(message, truncated));
        }
    }

    private static void Parse(string message, byte[] body)
    {
        switch (message)
        {
            case "RowDescription": RowDescription.Parse(body); break;
            case "DataRow": DataRow.Validate(body, 2); break;
            case "ErrorResponse": ErrorResponse.Parse(body); break;
            case "ParameterStatus": ParameterStatus.Parse(body); break;
            case "BackendKeyData": BackendKeyData.Parse(body, 0); break;
            case "CommandComplete": CommandComplete.ParseRows(body); break;
            case "ParameterDescription": ParameterDescription.Parse(body); break;
            default: throw new ArgumentException(message);
        }
    }

    [Fact]
    public void A_huge_field_count_is_refused_before_allocating()
    {
        byte[] body = [0x7F, 0xFF, 0, 0];
        var e = Assert.Throws<PgWireProtocolException>(() => RowDescription.Parse(body));
        Assert.Contains("32767 fields", e.Message);
    }

    [Fact]
    public void A_column_length_past_the_row_is_refused()
    {
        byte[] body = [0, 1, 0, 0, 0x10, 0, 1, 2, 3];
        var e = Assert.Throws<PgWireProtocolException>(() => DataRow.Validate(body, 1));
        Assert.Contains("claims 4096 bytes", e.Message);
    }

    [Fact]
    public void A_negative_column_length_other_than_null_is_refused()
    {
        byte[] body = [0, 1, 0xFF, 0xFF, 0xFF, 0xFE];
        Assert.Throws<PgWireProtocolException>(() => DataRow.Validate(body, 1));
    }

    [Fact]
    public void A_DataRow_with_the_wrong_column_count_is_refused()
    {
        var e = Assert.Throws<PgWireProtocolException>(() => DataRow.Validate(s_dataRow, 3));
        Assert.Contains("2 columns", e.Message);
    }

    [Theory]
    [InlineData("INSERT 0 5", 5)]
    [InlineData("UPDATE 12", 12)]
    [InlineData("SELECT 0", 0)]
    [InlineData("CREATE TABLE", -1)]
    [InlineData("BEGIN", -1)]
    public void CommandComplete_reads_row_counts(string tag, long rows) =>
        Assert.Equal(rows, CommandComplete.ParseRows(System.Text.Encoding.ASCII.GetBytes(tag + "\0")));

    [Fact]
    public void ReadyForQuery_rejects_unknown_status() =>
        Assert.Throws<PgWireProtocolException>(() => ReadyForQuery.Parse([(byte)'X']));
}

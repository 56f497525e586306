using System.Buffers.Binary;
using System.Text;
using PgWire.Connection;
using PgWire.Types;
using Xunit;

namespace PgWire.Tests.Protocol;

/// <summary>The one reader of request responses, on byte arrays: each request kind's sequences, errors anywhere, disorder.</summary>
public class ResponseReaderTests
{
    private static (byte Code, byte[] Body) M(char code, params byte[] body) => ((byte)code, body);

    private static readonly (byte, byte[]) s_parse = M('1'), s_bind = M('2'), s_close = M('3'), s_noData = M('n'), s_empty = M('I'),
        s_ready = M('Z', (byte)'I'), s_copyDone = M('c');

    /// <summary>RowDescription of int4 columns: Int16 count, per field name\0, Int32 table, Int16 attnum, Int32 type, Int16 len, Int32 mod, Int16 format.</summary>
    private static (byte, byte[]) Columns(int count)
    {
        var body = new List<byte> { 0, (byte)count };
        for (var i = 0; i < count; i++)
        {
            body.AddRange(Encoding.ASCII.GetBytes("c" + i));
            body.AddRange(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 23, 0, 4, 0xFF, 0xFF, 0xFF, 0xFF, 0, 1 });
        }
        return ((byte)'T', [.. body]);
    }

    /// <summary>DataRow of int4 values: Int16 count, per value Int32 length 4 and the value.</summary>
    private static (byte, byte[]) Row(params int[] values)
    {
        var body = new byte[2 + 8 * values.Length];
        BinaryPrimitives.WriteInt16BigEndian(body, (short)values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(body.AsSpan(2 + 8 * i), 4);
            BinaryPrimitives.WriteInt32BigEndian(body.AsSpan(6 + 8 * i), values[i]);
        }
        return ((byte)'D', body);
    }

    private static (byte, byte[]) Complete(string tag) => ((byte)'C', [.. Encoding.ASCII.GetBytes(tag), 0]);

    private static (byte, byte[]) Error(string sqlState = "22012") =>
        ((byte)'E', [(byte)'S', .. "ERROR"u8, 0, (byte)'C', .. Encoding.ASCII.GetBytes(sqlState), 0, (byte)'M', .. "failed"u8, 0, 0]);

    private static (byte, byte[]) Parameters(int count)
    {
        var body = new byte[2 + 4 * count];
        BinaryPrimitives.WriteInt16BigEndian(body, (short)count);
        for (var i = 0; i < count; i++) BinaryPrimitives.WriteInt32BigEndian(body.AsSpan(2 + 4 * i), 23);
        return ((byte)'t', body);
    }

    /// <summary>CopyOutResponse / CopyInResponse: Int8 format, Int16 columns, Int16 format per column.</summary>
    private static (byte, byte[]) CopyResponse(char code, bool binary, int columns)
    {
        var body = new byte[3 + 2 * columns];
        body[0] = binary ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt16BigEndian(body.AsSpan(1), (short)columns);
        for (var i = 0; i < columns; i++) BinaryPrimitives.WriteInt16BigEndian(body.AsSpan(3 + 2 * i), (short)body[0]);
        return ((byte)code, body);
    }

    private static ResponseReader NewReader(Action? dropped = null) => new(new PgTypeRegistry(), dropped ?? (() => { }));

    private static List<ResponseStep> Feed(ResponseReader reader, IEnumerable<(byte Code, byte[] Body)> messages) =>
        [.. messages.Select(m => reader.Next(m.Code, m.Body))];

    /// <summary>The valid answers per request kind, with how each reader is begun.</summary>
    public static TheoryData<string> Kinds => ["execute", "execute-known", "pipeline", "describe", "simple", "copy-out"];

    private static (Action<ResponseReader> Begin, (byte, byte[])[] Messages) Valid(string kind) => kind switch
    {
        "execute" => (r => r.Begin(ResponseShape.Execute), [s_close, s_parse, s_bind, Columns(2), Row(1, 2), Row(3, 4), Complete("SELECT 2"), s_ready]),
        "execute-known" => (r => r.Begin(ResponseShape.Execute, known: [Described(2)]), [s_bind, Row(1, 2), Complete("SELECT 1"), s_ready]),
        "pipeline" => (r => r.Begin(ResponseShape.Execute, 3),
            [s_parse, s_bind, s_noData, Complete("INSERT 0 1"), s_bind, Columns(1), Row(7), Complete("SELECT 1"), s_bind, s_noData, s_empty, s_ready]),
        "describe" => (r => r.Begin(ResponseShape.DescribeOnly, 2), [s_close, s_parse, Parameters(1), Columns(1), s_parse, Parameters(0), s_noData, s_ready]),
        "simple" => (r => r.Begin(ResponseShape.SimpleQuery), [Columns(1), Row(1), Complete("SELECT 1"), Complete("INSERT 0 2"), s_empty, s_ready]),
        "copy-out" => (r => r.Begin(ResponseShape.CopyOut), [CopyResponse('H', true, 1), M('d', 1, 2), M('d', 3), s_copyDone, Complete("COPY 2"), s_ready]),
        _ => throw new ArgumentException(kind),
    };

    private static RowDescriptionInfo Described(int columns)
    {
        var (_, body) = Columns(columns);
        return new RowDescriptionInfo(body, PgWire.Protocol.RowDescription.Parse(body), new PgTypeRegistry());
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_request_kind_s_answer_is_read_to_the_end(string kind)
    {
        var (begin, messages) = Valid(kind);
        var reader = NewReader();
        begin(reader);
        var steps = Feed(reader, messages);
        Assert.Equal(ResponseStep.Ready, steps[^1]);
        Assert.True(reader.IsComplete);
        Assert.DoesNotContain(ResponseStep.Error, steps);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void An_error_after_any_message_is_attributed_and_the_server_skips_to_ReadyForQuery(string kind)
    {
        var (begin, messages) = Valid(kind);
        for (var cut = 0; cut < messages.Length - 1; cut++)
        {
            var reader = NewReader();
            begin(reader);
            Feed(reader, messages[..cut]);
            Assert.Equal(ResponseStep.Error, reader.Next((byte)'E', Error().Item2));
            Assert.Equal("22012", reader.Error!.SqlState);
            Assert.InRange(reader.ErrorIndex, 0, kind == "pipeline" ? 2 : kind == "describe" ? 1 : 0);
            // Nothing but ReadyForQuery (or another error) may follow.
            var after = NewReader();
            begin(after);
            Feed(after, messages[..cut]);
            after.Next((byte)'E', Error().Item2);
            Assert.Throws<PgWireProtocolException>(() => after.Next(messages[cut].Item1, messages[cut].Item2));
            Assert.Equal(ResponseStep.Ready, reader.Next(s_ready.Item1, s_ready.Item2));
            Assert.True(reader.IsComplete, $"{kind}: an error after {cut} messages");
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_response_that_stops_short_is_refused_at_ReadyForQuery(string kind)
    {
        var (begin, messages) = Valid(kind);
        for (var cut = 0; cut < messages.Length - 1; cut++)
        {
            // Cutting after a whole statement of a simple Query leaves a complete answer: that one is fine (also for the
            // statement meant to start a COPY: answered by ReadyForQuery alone, it was no COPY, which its caller reports).
            if ((kind == "simple" && cut is 0 or 3 or 4 or 5) || (kind == "copy-out" && cut == 0)) continue;
            var reader = NewReader();
            begin(reader);
            Feed(reader, messages[..cut]);
            Assert.Throws<PgWireProtocolException>(() => reader.Next(s_ready.Item1, s_ready.Item2));
        }
    }

    [Fact]
    public void A_pipeline_s_errors_belong_to_their_statements_including_a_deferred_one_at_commit()
    {
        var reader = NewReader();
        reader.Begin(ResponseShape.Execute, 3);
        Feed(reader, [s_bind, s_noData, Complete("INSERT 0 1"), s_bind]);
        Assert.Equal(ResponseStep.Error, reader.Next((byte)'E', Error().Item2));
        Assert.Equal(1, reader.ErrorIndex);

        var deferred = NewReader();
        deferred.Begin(ResponseShape.Execute, 2);
        Feed(deferred, [s_bind, s_noData, Complete("INSERT 0 1"), s_bind, s_noData, Complete("INSERT 0 1")]);
        deferred.Next((byte)'E', Error("23503").Item2);
        Assert.Equal(1, deferred.ErrorIndex); // the commit at the Sync: the last statement's
    }

    [Fact]
    public void A_Sync_per_statement_completes_each_on_its_own()
    {
        var reader = NewReader();
        reader.Begin(ResponseShape.Execute, 2, syncEach: true);
        var steps = Feed(reader, [s_bind, s_noData, Complete("INSERT 0 1"), s_ready, s_bind, Error()]);
        Assert.Equal(ResponseStep.Error, steps[^1]);
        Assert.Equal(1, reader.ErrorIndex);
        Assert.False(reader.IsComplete);
        reader.Next(s_ready.Item1, s_ready.Item2);
        Assert.True(reader.IsComplete);
        Assert.Throws<PgWireProtocolException>(() => reader.Next((byte)'E', Error().Item2)); // after every statement completed
    }

    [Fact]
    public void The_first_error_of_a_request_is_kept_until_the_next_request_begins()
    {
        var reader = NewReader();
        reader.Begin(ResponseShape.Execute, 2, syncEach: true);
        Feed(reader, [s_bind, Error("23505"), s_ready, s_bind, Error("22012")]);
        Assert.Equal("22012", reader.Error!.SqlState); // the step's own
        Assert.Equal("23505", reader.FirstError!.SqlState); // what a request failing as a whole reports
        reader.Next(s_ready.Item1, s_ready.Item2);
        Assert.Equal("23505", reader.FirstError!.SqlState);

        reader.BeginSingle(ResponseShape.Execute, null, null);
        Assert.Null(reader.FirstError);
        Feed(reader, [s_bind, s_noData, Complete("INSERT 0 1"), s_ready]);
        Assert.Null(reader.FirstError);
    }

    [Fact]
    public void Rows_are_counted_against_CommandComplete_and_reported()
    {
        var reader = NewReader();
        reader.Begin(ResponseShape.Execute);
        Feed(reader, [s_bind, Columns(1), Row(1), Row(2)]);
        Assert.Throws<PgWireProtocolException>(() => reader.Next(Complete("SELECT 3").Item1, Complete("SELECT 3").Item2));

        var modified = NewReader();
        modified.Begin(ResponseShape.Execute);
        Feed(modified, [s_bind, s_noData]);
        Assert.Equal(ResponseStep.ResultEnd, modified.Next(Complete("UPDATE 5").Item1, Complete("UPDATE 5").Item2));
        Assert.Equal(5, modified.RowsAffected);
        Assert.True(modified.Modified);
    }

    [Fact]
    public void Messages_out_of_order_are_refused()
    {
        (ResponseShape Shape, (byte, byte[])[] Messages)[] cases =
        [
            (ResponseShape.Execute, [Row(1)]),                                     // a row before any description
            (ResponseShape.Execute, [Columns(1)]),                                 // a description before BindComplete
            (ResponseShape.Execute, [s_bind, s_bind]),
            (ResponseShape.Execute, [s_bind, Columns(1), Columns(1)]),
            (ResponseShape.Execute, [s_bind, Columns(1), s_empty]),               // an empty statement has no columns
            (ResponseShape.Execute, [s_bind, s_noData, Complete("INSERT 0 1"), Row(1)]),
            (ResponseShape.Execute, [s_bind, s_parse]),
            (ResponseShape.DescribeOnly, [Columns(1)]),                            // a description without its ParseComplete
            (ResponseShape.DescribeOnly, [s_parse, s_bind]),
            (ResponseShape.SimpleQuery, [Columns(1), Row(1), Complete("SELECT 1"), Row(1)]),
            (ResponseShape.SimpleQuery, [s_parse]),
            (ResponseShape.SimpleQuery, [CopyResponse('H', false, 1)]),           // a COPY is not run as a command
            (ResponseShape.CopyIn, [CopyResponse('H', false, 1)]),                // the other direction
            (ResponseShape.CopyOut, [CopyResponse('H', true, 1), M('d', 1), Complete("COPY 1")]), // no CopyDone
            (ResponseShape.CopyOut, [M('d', 1)]),                                  // data before copy mode
        ];
        foreach (var (shape, messages) in cases)
        {
            var reader = NewReader();
            reader.Begin(shape);
            Assert.Throws<PgWireProtocolException>(() => Feed(reader, messages));
        }
    }

    [Fact]
    public void Row_descriptions_are_reused_while_their_bytes_match_and_a_DISCARD_forgets_prepared_statements()
    {
        var statement = new StatementDescription("s1", [], [], [], null);
        var reader = NewReader();
        reader.BeginSingle(ResponseShape.Execute, statement, null);
        Feed(reader, [s_bind, Columns(1)]);
        var first = reader.Description;
        reader.BeginSingle(ResponseShape.Execute, statement, null);
        Feed(reader, [s_bind, Columns(1)]);
        Assert.Same(first, reader.Description);
        reader.BeginSingle(ResponseShape.Execute, statement, null);
        Feed(reader, [s_bind, Columns(2)]);
        Assert.NotSame(first, reader.Description);

        var dropped = 0;
        var discard = NewReader(() => dropped++);
        discard.Begin(ResponseShape.SimpleQuery);
        Feed(discard, [Complete("DISCARD ALL"), s_ready]);
        Assert.Equal(1, dropped);
    }

    [Fact]
    public void A_state_saved_and_restored_resumes_where_it_was()
    {
        var reader = NewReader();
        reader.Begin(ResponseShape.Execute, 2);
        Feed(reader, [s_bind, Columns(1), Row(1)]);
        var saved = reader.Save();
        reader.Begin(ResponseShape.SimpleQuery);
        Feed(reader, [Complete("SELECT 0"), s_ready]);
        reader.Restore(saved);
        var steps = Feed(reader, [Complete("SELECT 1"), s_bind, s_noData, Complete("INSERT 0 1"), s_ready]);
        Assert.Equal([ResponseStep.ResultEnd, ResponseStep.Bound, ResponseStep.Described, ResponseStep.ResultEnd, ResponseStep.Ready], steps);
        Assert.Equal(1, reader.Index);
        Assert.True(reader.IsComplete);
    }
}

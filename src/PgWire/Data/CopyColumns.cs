using PgWire.Connection;
using PgWire.Protocol;
using PgWire.Types;

namespace PgWire;

/// <summary>The columns a COPY moves, learnt by describing a query with the same columns (<see cref="CopyCommandText.ColumnsQuery"/>).</summary>
internal sealed record CopyColumns(string[] Names, PgTypeInfo[] Types, RowDescriptionInfo Description)
{
    public static async ValueTask<CopyColumns> DescribeAsync(PgConnector connector, CopyCommandText text, string sql, CancellationToken cancellationToken)
    {
        var described = await QueryRunner.DescribeOnlyAsync(connector, [(text.ColumnsQuery, [])], cancellationToken).ConfigureAwait(false);
        var description = described[0] ?? throw new ArgumentException($"The COPY statement's columns could not be learnt: '{text.ColumnsQuery}' returns no rows.", nameof(sql));
        var names = new string[description.Fields.Length];
        for (var i = 0; i < names.Length; i++) names[i] = description.Fields[i].Name;
        // Binary COPY sends every column in binary: decode them as such (a type without a binary codec cannot be read).
        var binary = new FormatCode[names.Length];
        Array.Fill(binary, FormatCode.Binary);
        return new CopyColumns(names, description.Types, description.WithFormats(binary, connector.TypeRegistry));
    }
}

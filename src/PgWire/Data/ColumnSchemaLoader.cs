using System.Collections.ObjectModel;
using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text;
using PgWire.Connection;
using PgWire.Exceptions;
using PgWire.Protocol;

namespace PgWire;

/// <summary>
/// Builds <see cref="DbColumn"/> descriptions of a result, with base table, column, nullability and key facts read
/// from the catalog (pg_attribute, pg_class, pg_index) on the reader's own connection, so that it sees what that
/// connection's transaction sees (a table created earlier in it, uncommitted) and needs no second connection.
/// </summary>
internal static class ColumnSchemaLoader
{
    /// <param name="database">The connection's database (BaseCatalogName).</param>
    /// <param name="columns">The result's columns.</param>
    /// <param name="connector">The reader's connection, which runs the catalog query.</param>
    /// <param name="response">The reader's response, when one is being read: what is left of it is set aside first.</param>
    /// <param name="cancellationToken">Cancels the catalog query.</param>
    public static async Task<ReadOnlyCollection<DbColumn>> LoadAsync(
        string database, IReadOnlyList<PgColumn> columns, PgConnector connector, PgRowReader? response, CancellationToken cancellationToken)
    {
        // The reader's own column objects stay as they are: the schema gets copies with the catalog's facts.
        var result = new PgColumn[columns.Count];
        for (var i = 0; i < result.Length; i++) result[i] = columns[i];
        var pairs = new StringBuilder();
        foreach (var column in columns)
        {
            if (column.TableOid == 0 || column.ColumnAttributeNumber <= 0) continue;
            if (pairs.Length > 0) pairs.Append(", ");
            pairs.Append(CultureInfo.InvariantCulture, $"({column.TableOid}, {column.ColumnAttributeNumber})");
        }
        if (pairs.Length > 0)
        {
            // Only numbers the server gave us go into the text; nothing from the user does.
            var sql = $"""
                SELECT a.attrelid::int8, a.attnum::int4, a.attname::text, c.relname::text, n.nspname::text, a.attnotnull,
                       EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = a.attrelid AND i.indisprimary AND a.attnum = ANY (i.indkey)),
                       EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = a.attrelid AND i.indisunique AND i.indnatts = 1 AND i.indkey[0] = a.attnum),
                       a.attidentity <> '',
                       a.attidentity <> '' OR COALESCE(pg_catalog.pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%', false)
                FROM pg_catalog.pg_attribute a
                JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
                JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                WHERE (a.attrelid::int8, a.attnum::int4) IN ({pairs})
                """;
            using var rows = await QueryAsync(connector, response, sql, cancellationToken).ConfigureAwait(false);
            foreach (var row in (IEnumerable<PgRow>?)rows ?? [])
            {
                var table = (uint)row.Get<long>(0);
                var attribute = row.Get<int>(1);
                for (var i = 0; i < result.Length; i++)
                {
                    var column = result[i];
                    if (column.TableOid != table || column.ColumnAttributeNumber != attribute) continue;
                    result[i] = column.WithBase(database, row.Get<string>(4), row.Get<string>(3), row.Get<string>(2), row.Get<bool>(5),
                        row.Get<bool>(6), row.Get<bool>(7), row.Get<bool>(8), row.Get<bool>(9));
                }
            }
        }
        return new ReadOnlyCollection<DbColumn>(result);
    }

    /// <summary>
    /// Runs a catalog query on the reader's connection. A response still arriving is read into memory first and read on
    /// from there afterwards; null when the connection's transaction has failed (it can run nothing until it is rolled
    /// back): the columns then have no base-table facts.
    /// </summary>
    private static async Task<PgRowSet?> QueryAsync(PgConnector connector, PgRowReader? response, string sql, CancellationToken cancellationToken)
    {
        var setAside = response is not null && await response.SetAsideRestAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (connector.TransactionStatus == TransactionStatus.Failed) return null;
            var result = await QueryRunner.ExecuteAsync(connector, sql, [], collectRows: true, cancellationToken).ConfigureAwait(false);
            return new PgRowSet(result.Description, result.Rows, result.RowsAffected);
        }
        catch (PgWireServerException e) when (e.SqlState == SqlStates.InFailedSqlTransaction)
        {
            // The command's own error (set aside, not read yet) failed the transaction; the reader reports it.
            return null;
        }
        finally
        {
            if (setAside) response!.ResumeAfterAside();
        }
    }

    /// <summary>The classic schema table (one row per column, the SchemaTableColumn names) built from the column schema.</summary>
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2111",
        Justification = "The schema table's DataType column holds Type values; nothing reaches their members through it.")]
    public static DataTable ToSchemaTable(ReadOnlyCollection<DbColumn> columns)
    {
        var table = new DataTable("SchemaTable") { Locale = CultureInfo.InvariantCulture };
        table.Columns.Add(SchemaTableColumn.ColumnName, typeof(string));
        table.Columns.Add(SchemaTableColumn.ColumnOrdinal, typeof(int));
        table.Columns.Add(SchemaTableColumn.ColumnSize, typeof(int));
        table.Columns.Add(SchemaTableColumn.NumericPrecision, typeof(int));
        table.Columns.Add(SchemaTableColumn.NumericScale, typeof(int));
        table.Columns.Add(SchemaTableColumn.DataType, typeof(Type));
        table.Columns.Add("DataTypeName", typeof(string));
        table.Columns.Add(SchemaTableColumn.IsLong, typeof(bool));
        table.Columns.Add(SchemaTableColumn.AllowDBNull, typeof(bool));
        table.Columns.Add(SchemaTableOptionalColumn.IsReadOnly, typeof(bool));
        table.Columns.Add(SchemaTableColumn.IsUnique, typeof(bool));
        table.Columns.Add(SchemaTableColumn.IsKey, typeof(bool));
        table.Columns.Add(SchemaTableOptionalColumn.IsAutoIncrement, typeof(bool));
        table.Columns.Add(SchemaTableOptionalColumn.BaseCatalogName, typeof(string));
        table.Columns.Add(SchemaTableColumn.BaseSchemaName, typeof(string));
        table.Columns.Add(SchemaTableColumn.BaseTableName, typeof(string));
        table.Columns.Add(SchemaTableColumn.BaseColumnName, typeof(string));
        table.Columns.Add(SchemaTableColumn.IsAliased, typeof(bool));
        table.Columns.Add(SchemaTableColumn.IsExpression, typeof(bool));
        foreach (var column in columns)
        {
            table.Rows.Add(column.ColumnName, column.ColumnOrdinal, column.ColumnSize ?? -1, (object?)column.NumericPrecision ?? DBNull.Value,
                (object?)column.NumericScale ?? DBNull.Value, column.DataType, column.DataTypeName, column.IsLong, column.AllowDBNull,
                column.IsReadOnly, column.IsUnique, column.IsKey, column.IsAutoIncrement, (object?)column.BaseCatalogName ?? DBNull.Value,
                (object?)column.BaseSchemaName ?? DBNull.Value, (object?)column.BaseTableName ?? DBNull.Value,
                (object?)column.BaseColumnName ?? DBNull.Value, column.IsAliased, column.IsExpression);
        }
        return table;
    }
}

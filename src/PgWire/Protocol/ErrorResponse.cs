namespace PgWire.Protocol;

/// <summary>
/// ErrorResponse ('E') and NoticeResponse ('N'): repeated (Byte1 field code, String value), ended by a zero byte.
/// </summary>
internal static class ErrorResponse
{
    public static PgErrorFields Parse(ReadOnlySpan<byte> body, string messageName = "ErrorResponse")
    {
        var reader = new PgSpanReader(body, messageName);
        string severity = "", localized = "", code = "", message = "";
        string? detail = null, hint = null, internalQuery = null, where = null, schema = null, table = null,
            column = null, dataType = null, constraint = null, file = null, line = null, routine = null;
        int position = 0, internalPosition = 0;
        while (true)
        {
            var field = reader.ReadByte();
            if (field == 0) break;
            var value = reader.ReadCString();
            switch ((char)field)
            {
                case 'S': localized = value; break;
                case 'V': severity = value; break;
                case 'C': code = value; break;
                case 'M': message = value; break;
                case 'D': detail = value; break;
                case 'H': hint = value; break;
                case 'P': position = ParsePosition(value, 'P'); break;
                case 'p': internalPosition = ParsePosition(value, 'p'); break;
                case 'q': internalQuery = value; break;
                case 'W': where = value; break;
                case 's': schema = value; break;
                case 't': table = value; break;
                case 'c': column = value; break;
                case 'd': dataType = value; break;
                case 'n': constraint = value; break;
                case 'F': file = value; break;
                case 'L': line = value; break;
                case 'R': routine = value; break;
                default: break; // The protocol says unknown field types are to be ignored.
            }
        }
        reader.ExpectEnd();
        return new PgErrorFields
        {
            Severity = severity.Length > 0 ? severity : localized,
            LocalizedSeverity = localized,
            SqlState = code,
            MessageText = message,
            Detail = detail,
            Hint = hint,
            Position = position,
            InternalPosition = internalPosition,
            InternalQuery = internalQuery,
            Where = where,
            SchemaName = schema,
            TableName = table,
            ColumnName = column,
            DataTypeName = dataType,
            ConstraintName = constraint,
            File = file,
            Line = line,
            Routine = routine,
        };
    }

    private static int ParsePosition(string value, char field) =>
        int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var position)
            ? position
            : throw new PgWireProtocolException($"Error field '{field}' should be a decimal position but is \"{value}\".");
}

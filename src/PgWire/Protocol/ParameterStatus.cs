namespace PgWire.Protocol;

/// <summary>ParameterStatus ('S'): String name, String value.</summary>
internal readonly record struct ParameterStatus(string Name, string Value)
{
    public static ParameterStatus Parse(ReadOnlySpan<byte> body)
    {
        var reader = new PgSpanReader(body, "ParameterStatus");
        var status = new ParameterStatus(reader.ReadCString(), reader.ReadCString());
        reader.ExpectEnd();
        return status;
    }
}

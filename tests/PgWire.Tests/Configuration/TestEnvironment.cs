namespace PgWire.Tests.Configuration;

/// <summary>A made-up process environment for the settings' resolution (the real one is process-wide and shared by parallel tests).</summary>
internal static class TestEnvironment
{
    /// <summary>
    /// The given variables only; HOME and PGSYSCONFDIR point nowhere, so that the machine's own ~/.pg_service.conf,
    /// ~/.pgpass and pg_service.conf play no part.
    /// </summary>
    public static Func<string, string?> Of(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(v => v.Name, v => v.Value);
        map.TryAdd("HOME", "/nonexistent-home");
        map.TryAdd("PGSYSCONFDIR", "/nonexistent-sysconf");
        return name => map.GetValueOrDefault(name);
    }
}

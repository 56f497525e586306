namespace PgWire.Configuration;

/// <summary>
/// libpq's connection service files: <c>[name]</c> sections of <c>keyword=value</c> lines (libpq's keyword names),
/// <c>#</c> comments. The user's file (PGSERVICEFILE, else <c>~/.pg_service.conf</c>) is searched first, then the
/// system's (<c>pg_service.conf</c> in PGSYSCONFDIR, else <c>/etc/postgresql-common</c>), as libpq does.
/// </summary>
internal static class ServiceFile
{
    /// <summary>The files searched for a service, in order (those that exist or not).</summary>
    public static IEnumerable<string> SearchPath(Func<string, string?> environment)
    {
        var userFile = environment("PGSERVICEFILE");
        if (!string.IsNullOrEmpty(userFile)) yield return userFile;
        else
        {
            var home = OperatingSystem.IsWindows() ? Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData) : environment("HOME");
            if (string.IsNullOrEmpty(home)) home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            if (!string.IsNullOrEmpty(home)) yield return Path.Combine(home, OperatingSystem.IsWindows() ? "postgresql\\.pg_service.conf" : ".pg_service.conf");
        }
        var systemDirectory = environment("PGSYSCONFDIR");
        yield return Path.Combine(string.IsNullOrEmpty(systemDirectory) ? "/etc/postgresql-common" : systemDirectory, "pg_service.conf");
    }

    /// <summary>The settings of <paramref name="service"/>, from the first file of <paramref name="files"/> that defines it.</summary>
    /// <exception cref="FormatException">No file defines it, or a file that is read has a line that is not one of the forms.</exception>
    public static List<KeyValuePair<string, string>> Find(string service, IEnumerable<string> files)
    {
        var searched = new List<string>();
        foreach (var file in files)
        {
            searched.Add(file);
            if (!File.Exists(file)) continue;
            var settings = Read(file, File.ReadAllLines(file), service);
            if (settings is not null) return settings;
        }
        throw new FormatException($"The service '{service}' is not defined in any service file (searched: {string.Join(", ", searched)}).");
    }

    /// <summary>The settings of <paramref name="service"/> in one file's lines; null when the file does not define it.</summary>
    internal static List<KeyValuePair<string, string>>? Read(string file, IReadOnlyList<string> lines, string service)
    {
        List<KeyValuePair<string, string>>? found = null;
        var inService = false;
        for (var n = 0; n < lines.Count; n++)
        {
            var line = lines[n].Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            if (line[0] == '[')
            {
                if (found is not null) return found; // the section ended
                if (!line.EndsWith(']')) throw new FormatException($"Syntax error in service file {file}, line {n + 1}: a section name must end with ']'.");
                inService = line[1..^1].Trim() == service;
                if (inService) found = [];
                continue;
            }
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0) throw new FormatException($"Syntax error in service file {file}, line {n + 1}: expected keyword=value.");
            if (!inService) continue;
            var key = line[..equals].Trim();
            if (key == "service") throw new FormatException($"Service file {file}, line {n + 1}: a service cannot name another service (nested service specifications are not supported, as in libpq).");
            found!.Add(new(key, line[(equals + 1)..].Trim()));
        }
        return found;
    }
}

using System.Text;

namespace PgWire.Configuration;

/// <summary>
/// libpq's password file (<c>~/.pgpass</c>; <c>%APPDATA%\postgresql\pgpass.conf</c> on Windows; or PGPASSFILE /
/// Passfile): lines <c>hostname:port:database:username:password</c>, <c>*</c> matching anything in the first four
/// fields, <c>\:</c> and <c>\\</c> escaping, <c>#</c> starting a comment line, the first matching line winning. A Unix-
/// socket connection matches <c>localhost</c>. On Unix the file is ignored when others can read it (libpq's rule).
/// </summary>
internal static class PassFile
{
    /// <summary>The file libpq reads when neither PGPASSFILE nor Passfile names one.</summary>
    public static string? DefaultPath()
    {
        if (OperatingSystem.IsWindows())
        {
            var appData = Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData);
            return appData.Length == 0 ? null : Path.Combine(appData, "postgresql", "pgpass.conf");
        }
        var home = Environment.GetEnvironmentVariable("HOME");
        if (string.IsNullOrEmpty(home)) home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return string.IsNullOrEmpty(home) ? null : Path.Combine(home, ".pgpass");
    }

    /// <summary>What reading the file found: the password, or why none was taken from it.</summary>
    public readonly record struct Lookup(string? Password, string? Ignored);

    /// <summary>
    /// The password of the first line of <paramref name="path"/> that matches; none when the file is missing, when no
    /// line matches, or (with <see cref="Lookup.Ignored"/> saying why) when it is not a plain file or others may read it.
    /// </summary>
    public static Lookup Find(string path, HostEndpoint endpoint, string database, string user)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists) return default;
            if (!OperatingSystem.IsWindows())
            {
                if (info.Attributes.HasFlag(FileAttributes.Directory) || info.LinkTarget is not null && info.ResolveLinkTarget(true) is not FileInfo)
                    return new(null, $"the password file {path} is not a plain file");
                const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
                    | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
                if ((File.GetUnixFileMode(path) & others) != 0)
                    return new(null, $"the password file {path} has group or world access; permissions should be u=rw (0600) or less");
            }
            var host = endpoint.IsSocketDirectory || endpoint.Host.Length == 0 ? "localhost" : endpoint.Host;
            var port = endpoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            foreach (var line in File.ReadLines(path))
            {
                var password = Match(line, host, port, database, user);
                if (password is not null) return new(password, null);
            }
            return default;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new(null, $"the password file {path} could not be read: {e.GetType().Name}");
        }
    }

    /// <summary>The password of <paramref name="line"/> when its first four fields match; null otherwise.</summary>
    internal static string? Match(string line, string host, string port, string database, string user)
    {
        var trimmed = line.TrimEnd('\r');
        if (trimmed.Length == 0 || trimmed[0] == '#') return null;
        var fields = Split(trimmed);
        if (fields.Count < 5) return null;
        return Matches(fields[0], host) && Matches(fields[1], port) && Matches(fields[2], database) && Matches(fields[3], user)
            ? fields[4].Text
            : null;
    }

    // A field matches literally or when it is exactly '*' (an escaped \* is a literal star).
    private static bool Matches((string Text, bool Wildcard) field, string value) => field.Wildcard || field.Text == value;

    /// <summary>Splits on unescaped ':' into five fields (the password ends at the next unescaped ':', as libpq reads it), unescaping \: and \\.</summary>
    private static List<(string Text, bool Wildcard)> Split(string line)
    {
        var fields = new List<(string, bool)>(5);
        var current = new StringBuilder();
        var escaped = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '\\' && i + 1 < line.Length)
            {
                current.Append(line[++i]);
                escaped = true;
                continue;
            }
            if (c == ':' && fields.Count == 4) break;
            if (c == ':')
            {
                fields.Add((current.ToString(), !escaped && current.ToString() == "*"));
                current.Clear();
                escaped = false;
                continue;
            }
            current.Append(c);
        }
        fields.Add((current.ToString(), false));
        return fields;
    }
}

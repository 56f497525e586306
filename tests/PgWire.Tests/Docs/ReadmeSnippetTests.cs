using System.Text.RegularExpressions;
using Xunit;

namespace PgWire.Tests.Docs;

/// <summary>
/// The README's C# snippets are compiled by samples/ReadmeSnippets (built with the solution); this checks that each
/// of its files still holds its snippet, line for line, so a README edit that is not carried over fails here.
/// </summary>
public partial class ReadmeSnippetTests
{
    [Fact]
    public void Every_csharp_snippet_of_the_README_is_in_the_compiled_snippets_project()
    {
        var root = FindRoot();
        var readme = File.ReadAllText(Path.Combine(root, "README.md"));
        var blocks = CSharpBlock().Matches(readme).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(blocks);
        for (var i = 0; i < blocks.Count; i++)
        {
            var file = Path.Combine(root, "samples", "ReadmeSnippets", $"Snippet{i + 1:00}.cs");
            Assert.True(File.Exists(file), $"README snippet {i + 1} has no {file}: run scripts/readme-snippets.py");
            var compiled = File.ReadAllLines(file).Select(l => l.Trim()).ToList();
            var at = 0;
            foreach (var line in blocks[i].Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0))
            {
                at = compiled.IndexOf(line, at);
                Assert.True(at >= 0, $"README snippet {i + 1} has a line its compiled copy lacks: \"{line}\". Run scripts/readme-snippets.py.");
                at++;
            }
        }
        Assert.False(File.Exists(Path.Combine(root, "samples", "ReadmeSnippets", $"Snippet{blocks.Count + 1:00}.cs")),
            "The snippets project has more files than the README has snippets: run scripts/readme-snippets.py.");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PgWire.sln"))) return dir.FullName;
        throw new InvalidOperationException("PgWire.sln not found above the test's directory.");
    }

    [GeneratedRegex(@"^```csharp\n(.*?)^```$", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex CSharpBlock();
}

using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ResNet.MLNet.Tests.Support;

namespace ResNet.MLNet.Tests.Docs;

/// <summary>
/// Every <c>```csharp</c> block of README.md and docs/*.md compiles against the library, so a documented example cannot
/// drift from the API. Each block is one program of top-level statements (with the implicit usings of an SDK project:
/// System, System.IO, System.Linq, System.Collections.Generic, System.Threading, System.Threading.Tasks). A fragment
/// that uses names it does not declare states them in an HTML comment on the line before the block, which the reader
/// does not see rendered: <c>&lt;!-- given: MLContext ml; string path --&gt;</c> (each declaration is compiled as
/// <c>TYPE NAME = default!;</c>; usings may appear there too: <c>using ResNet.MLNet.Models;</c>).
/// </summary>
public class DocSnippetTests
{
    private static readonly string[] ImplicitUsings =
        ["System", "System.IO", "System.Linq", "System.Collections.Generic", "System.Threading", "System.Threading.Tasks"];

    /// <summary>A code block: where it is, its text, and what its <c>given:</c> comment declares.</summary>
    public sealed record Snippet(string File, int Line, string Code, string Given)
    {
        /// <inheritdoc/>
        public override string ToString() => $"{File}:{Line}";
    }

    private static readonly Lazy<IReadOnlyList<MetadataReference>> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToList());

    /// <summary>The C# blocks of README.md and docs/*.md.</summary>
    public static IReadOnlyList<Snippet> All()
    {
        var files = new[] { Path.Combine(Repository.Root, "README.md") }
            .Concat(Directory.GetFiles(Path.Combine(Repository.Root, "docs"), "*.md").Order());
        var snippets = new List<Snippet>();
        foreach (var file in files)
        {
            var lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                var fence = lines[i].Trim();
                if (!fence.StartsWith("```") || fence[3..].Trim().Split(' ')[0] is not ("csharp" or "cs" or "c#")) continue;
                int start = i + 1, end = start;
                while (end < lines.Length && lines[end].Trim() != "```") end++;
                var given = i > 0 && Regex.Match(lines[i - 1], @"^\s*<!--\s*given:(.*)-->\s*$") is { Success: true } m ? m.Groups[1].Value : "";
                snippets.Add(new Snippet(Path.GetRelativePath(Repository.Root, file), i + 1, string.Join('\n', lines[start..end]), given));
                i = end;
            }
        }
        return snippets;
    }

    /// <summary>The program a block compiles as: its usings first, then the given declarations, then its statements.</summary>
    public static string Program(Snippet s)
    {
        var given = s.Given.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var lines = s.Code.Split('\n');
        // Using directives must precede statements: the block's leading usings, then the given ones, then declarations.
        int usingEnd = 0;
        while (usingEnd < lines.Length && (lines[usingEnd].TrimStart().StartsWith("using ") && !lines[usingEnd].Contains(" var ") || lines[usingEnd].Trim() == "")) usingEnd++;
        return string.Join('\n', ImplicitUsings.Select(u => $"global using {u};")
            .Concat(lines[..usingEnd])
            .Concat(given.Where(g => g.StartsWith("using ")).Select(g => g + ";"))
            .Concat(given.Where(g => !g.StartsWith("using ")).Select(g => g + " = default!;"))
            .Concat(lines[usingEnd..]));
    }

    [Fact]
    public void The_docs_have_csharp_blocks() => Assert.True(All().Count >= 9, $"found {All().Count} C# blocks");

    [Fact]
    public void Every_csharp_block_of_the_readme_and_docs_compiles()
    {
        var failures = new List<string>();
        foreach (var s in All())
        {
            var tree = CSharpSyntaxTree.ParseText(Program(s), new CSharpParseOptions(LanguageVersion.Preview), path: s.ToString());
            var compilation = CSharpCompilation.Create("Snippet", [tree], References.Value,
                new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
            var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            if (errors.Count > 0) failures.Add($"{s}:\n  " + string.Join("\n  ", errors.Take(8)));
        }
        Assert.True(failures.Count == 0, "C# blocks that do not compile:\n" + string.Join("\n", failures));
    }
}

using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ResNet.MLNet.Tests.Support;
using Xunit.Abstractions;

namespace ResNet.MLNet.Tests.Architecture;

/// <summary>
/// The library's folders are layers (DESIGN.md §2) and data flows downward only: a folder uses the folders below it.
/// The graph is read from the sources with Roslyn's parser: a file in folder F depends on folder G when it names a type
/// declared at the top level of a file in G and can see that type's namespace (a using directive, its own or an
/// enclosing namespace, or a qualified name).
/// </summary>
public class FolderDependencyTests(ITestOutputHelper output)
{
    /// <summary>The layers, lowest first; a folder may use the folders before it. The files at the library's root (the
    /// input limits and their exception, used by every reader of untrusted files) sit below them all.</summary>
    private static readonly string[] Layers = ["Native", "Torch", "Models", "Export", "Engine", "Data", "Scoring", "Pipeline"];

    private sealed record SourceFile(string Path, string Folder, string Namespace, IReadOnlySet<string> Usings, SyntaxNode Root);

    private static readonly Lazy<IReadOnlyList<SourceFile>> Files = new(() =>
    {
        var src = Path.Combine(Repository.Root, "src", "ResNet.MLNet");
        return Directory.GetFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .Select(p =>
            {
                var root = CSharpSyntaxTree.ParseText(File.ReadAllText(p)).GetRoot();
                var relative = Path.GetRelativePath(src, p).Split(Path.DirectorySeparatorChar);
                var ns = root.DescendantNodes().OfType<BaseNamespaceDeclarationSyntax>().FirstOrDefault()?.Name.ToString() ?? "";
                var usings = root.DescendantNodes().OfType<UsingDirectiveSyntax>().Where(u => u.Alias == null && u.Name != null)
                    .Select(u => u.Name!.ToString()).ToHashSet();
                return new SourceFile(string.Join('/', relative), relative.Length > 1 ? relative[0] : "", ns, usings, root);
            }).ToList();
    });

    /// <summary>A use of a type declared in another folder.</summary>
    public sealed record Use(string From, string To, string File, string Type, bool IsInterface);

    /// <summary>Every use of a type across folders.</summary>
    public static IReadOnlyList<Use> Uses()
    {
        var declared = new Dictionary<string, List<(string Folder, string Namespace, bool IsInterface)>>();
        foreach (var f in Files.Value)
            foreach (var t in f.Root.DescendantNodes().OfType<BaseTypeDeclarationSyntax>().Where(t => t.Parent is BaseNamespaceDeclarationSyntax or CompilationUnitSyntax))
            {
                if (!declared.TryGetValue(t.Identifier.Text, out var list)) declared[t.Identifier.Text] = list = new();
                list.Add((f.Folder, f.Namespace, t is InterfaceDeclarationSyntax));
            }
        var uses = new List<Use>();
        foreach (var f in Files.Value)
        {
            foreach (var name in f.Root.DescendantNodes().OfType<SimpleNameSyntax>())
            {
                if (!declared.TryGetValue(name.Identifier.Text, out var candidates)) continue;
                var qualifier = name.Parent switch
                {
                    QualifiedNameSyntax q when q.Right == name => q.Left.ToString(),
                    MemberAccessExpressionSyntax m when m.Name == name => m.Expression.ToString(),
                    _ => null,
                };
                foreach (var (folder, ns, isInterface) in candidates)
                {
                    if (folder == f.Folder) continue;
                    bool visible = qualifier != null
                        ? qualifier == ns || ns.EndsWith("." + qualifier) && (f.Usings.Any(u => $"{u}.{qualifier}" == ns) || f.Namespace.StartsWith(ns[..^(qualifier.Length + 1)]))
                        : f.Usings.Contains(ns) || f.Namespace == ns || f.Namespace.StartsWith(ns + ".");
                    if (visible) uses.Add(new Use(f.Folder, folder, f.Path, name.Identifier.Text, isInterface));
                }
            }
        }
        return uses;
    }

    [Fact]
    public void Folders_use_only_the_layers_below_them()
    {
        var uses = Uses();
        foreach (var g in uses.GroupBy(u => u.From).OrderBy(g => g.Key))
            output.WriteLine($"{g.Key} -> {string.Join(", ", g.Select(u => u.To).Distinct().Order())}");
        var upward = uses.Where(u => u.To != "" && Array.IndexOf(Layers, u.To) >= Array.IndexOf(Layers, u.From))
            .Select(u => $"{u.From} -> {u.To}: {u.File} uses {u.Type}").Distinct().ToList();
        Assert.True(upward.Count == 0, "folders that reach upward:\n" + string.Join("\n", upward));
        Assert.All(Files.Value.Select(f => f.Folder).Where(k => k != "").Distinct(), k => Assert.Contains(k, Layers));
    }

    [Fact]
    public void Data_sources_use_only_the_engines_interfaces()
    {
        var concrete = Uses().Where(u => u.From == "Data" && u.To == "Engine" && !u.IsInterface)
            .Select(u => $"{u.File} uses {u.Type}").Distinct().ToList();
        Assert.True(concrete.Count == 0, "Data uses the engine's concrete types (the engine defines what it consumes as interfaces):\n" + string.Join("\n", concrete));
    }
}

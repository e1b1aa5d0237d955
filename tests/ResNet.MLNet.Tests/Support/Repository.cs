namespace ResNet.MLNet.Tests.Support;

/// <summary>Paths of this repository's checkout, found from the test binaries upwards.</summary>
internal static class Repository
{
    /// <summary>The folder holding ResNetMLNet.sln.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ResNetMLNet.sln"))) return dir.FullName;
        throw new InvalidOperationException("ResNetMLNet.sln not found above " + AppContext.BaseDirectory);
    }
}

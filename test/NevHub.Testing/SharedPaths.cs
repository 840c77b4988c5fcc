namespace NevHub.Testing;

/// <summary>Finds the team's shared folder (protocol docs and public test vectors), which sits beside the repository.</summary>
public static class SharedPaths
{
    /// <summary>The shared folder: NEVHUB_SHARED if set, otherwise the first `shared` folder beside an ancestor of the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    public static string Vectors(string protocol) => Path.Combine(Root, "vectors", protocol);

    private static string FindRoot()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("NEVHUB_SHARED");
        if (!string.IsNullOrEmpty(fromEnvironment) && Directory.Exists(fromEnvironment))
        {
            return fromEnvironment;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "vectors");
            if (Directory.Exists(candidate))
            {
                return Path.Combine(dir.FullName, "shared");
            }
        }

        throw new DirectoryNotFoundException(
            "The shared folder (../shared with vectors/) was not found beside the repository; set NEVHUB_SHARED to its path.");
    }
}

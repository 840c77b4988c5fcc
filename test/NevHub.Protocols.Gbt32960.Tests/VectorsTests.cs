using NevHub.Testing;

namespace NevHub.Protocols.Gbt32960.Tests;

public class SharedFolderTests
{
    [Fact]
    public void Shared_vectors_are_found() => Assert.True(Directory.Exists(SharedPaths.Vectors("gbt32960")));
}

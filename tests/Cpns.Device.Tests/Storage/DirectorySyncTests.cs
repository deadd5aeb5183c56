using Cpns.Device.Storage;
using Cpns.Device.Tests.Support;

namespace Cpns.Device.Tests.Storage;

public sealed class DirectorySyncTests
{
    [Fact]
    public void TrySync_ExistingDirectoryOnLinux_Flushes()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "fsync of a directory is checked on Linux.");
        using var dir = new TempDirectory();

        Assert.True(DirectorySync.TrySync(dir.Path));
        Assert.False(DirectorySync.TrySync(dir.File("missing")));
    }
}

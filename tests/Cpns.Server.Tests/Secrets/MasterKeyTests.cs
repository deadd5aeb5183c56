using System.Runtime.Versioning;
using System.Security.Cryptography;
using Cpns.Server.Secrets;
using Cpns.Server.Tests.Infrastructure;

namespace Cpns.Server.Tests.Secrets;

public sealed class MasterKeyTests
{
    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void Load_NoKeyConfigured_CreatesFileWithMode0600AndReusesIt()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes");
        var dir = TestServer.NewDirectory();
        var options = new ServerOptions { DataDirectory = dir };

        byte[] first;
        using (var key = MasterKey.Load(options, _ => null))
        {
            first = key.Key.ToArray();
        }

        using var again = MasterKey.Load(options, _ => null);
        var path = Path.Combine(dir, MasterKey.FileName);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(32, new FileInfo(path).Length);
        Assert.Equal(first, again.Key.ToArray());
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public async Task StartAsync_FirstStart_MasterKeyAndDatabaseAreOwnerOnly()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes");
        await using var server = await TestServer.StartAsync();

        var mode = File.GetUnixFileMode(Path.Combine(server.Options.DataDirectory, MasterKey.FileName));
        var databaseMode = File.GetUnixFileMode(Path.Combine(server.Options.DataDirectory, Cpns.Server.Storage.CpnsDatabase.SqliteFileName));
        var directoryMode = File.GetUnixFileMode(server.Options.DataDirectory);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, databaseMode);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, directoryMode);
    }

    [Fact]
    public void Load_EnvironmentVariable_UsedAndNoFileWritten()
    {
        var dir = TestServer.NewDirectory();
        var expected = RandomNumberGenerator.GetBytes(32);

        using var key = MasterKey.Load(new ServerOptions { DataDirectory = dir }, name => name == ServerOptions.MasterKeyEnvironmentVariable ? Convert.ToBase64String(expected) : null);

        Assert.Equal(expected, key.Key.ToArray());
        Assert.False(File.Exists(Path.Combine(dir, MasterKey.FileName)));
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void Load_WrongLength_Throws()
    {
        var options = new ServerOptions { DataDirectory = TestServer.NewDirectory(), MasterKey = Convert.ToBase64String(new byte[16]) };

        Assert.Throws<InvalidOperationException>(() => MasterKey.Load(options));
    }

    [Fact]
    public void Key_AfterDispose_Throws()
    {
        var key = MasterKey.Load(new ServerOptions { MasterKey = Convert.ToBase64String(new byte[32]) });
        key.Dispose();

        Assert.Throws<ObjectDisposedException>(() => key.Key.Length);
    }
}

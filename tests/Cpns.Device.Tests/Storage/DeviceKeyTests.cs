using System.Runtime.Versioning;
using Cpns.Device.Storage;
using Cpns.Device.Tests.Support;

namespace Cpns.Device.Tests.Storage;

public sealed class DeviceKeyTests
{
    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void CreateFile_NewPath_CreatesOwnerOnly32ByteFile()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes only.");
        using var dir = new TempDirectory();
        var path = dir.File("device.key");

        using var key = DeviceKey.CreateFile(path);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(32, new FileInfo(path).Length);
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void LoadFile_Mode0644_RefusedWithClearError()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes only.");
        using var dir = new TempDirectory();
        var path = dir.File("device.key");
        DeviceKey.CreateFile(path).Dispose();
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var e = Assert.Throws<DeviceStoreException>(() => DeviceKey.LoadFile(path));

        Assert.Equal(DeviceStoreError.KeyFileInsecure, e.Error);
        Assert.Contains("0644", e.Message, StringComparison.Ordinal);
        Assert.Contains("0600", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadOrCreateFile_ExistingFile_LoadsSameKey()
    {
        using var dir = new TempDirectory();
        var path = dir.File("device.key");
        using var first = DeviceKey.LoadOrCreateFile(path);
        using var second = DeviceKey.LoadOrCreateFile(path);

        Assert.True(first.KeyBytes.SequenceEqual(second.KeyBytes));
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void LoadFile_WrongLength_Refused()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes only.");
        using var dir = new TempDirectory();
        var path = dir.File("device.key");
        File.WriteAllBytes(path, new byte[31]);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var e = Assert.Throws<DeviceStoreException>(() => DeviceKey.LoadFile(path));

        Assert.Equal(DeviceStoreError.KeyFileInvalid, e.Error);
    }

    [Fact]
    public void CreateFile_ExistingFile_Refused()
    {
        using var dir = new TempDirectory();
        var path = dir.File("device.key");
        DeviceKey.CreateFile(path).Dispose();

        var e = Assert.Throws<DeviceStoreException>(() => DeviceKey.CreateFile(path));

        Assert.Equal(DeviceStoreError.AlreadyExists, e.Error);
    }

    [Fact]
    public void Import_WrongLength_Throws() =>
        Assert.Throws<ArgumentException>(() => DeviceKey.Import(new byte[16]));

    [Fact]
    public void ToString_NeverShowsKeyBytes()
    {
        using var key = DeviceKey.Import(Enumerable.Repeat((byte)0xAB, 32).ToArray());

        Assert.DoesNotContain("AB", key.ToString(), StringComparison.OrdinalIgnoreCase);
    }
}

namespace Cpns.Crypto.Tests;

public sealed class GroupKeyTests
{
    [Fact]
    public void Create_Twice_GivesDifferentKeys()
    {
        using var a = GroupKey.Create("g", 1);
        using var b = GroupKey.Create("g", 1);

        Assert.False(a.KeyEquals(b));
    }

    [Fact]
    public void Import_OfExport_IsEqual()
    {
        using var a = GroupKey.Create("g", 4);
        var bytes = new byte[32];
        a.ExportKey(bytes);

        using var b = GroupKey.Import("g", 4, bytes);

        Assert.True(a.KeyEquals(b));
    }

    [Fact]
    public void Create_InvalidIdentity_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => GroupKey.Create("g", 0));
        Assert.Throws<ArgumentException>(() => GroupKey.Create("", 1));
        Assert.Throws<ArgumentException>(() => GroupKey.Import("g", 1, new byte[31]));
    }

    [Fact]
    public void ToString_ShowsIdentityNotKey()
    {
        using var gk = GroupKey.Import("photos", 12, new byte[32]);

        Assert.Equal("GroupKey(group=photos, epoch=12)", gk.ToString());
    }

    [Fact]
    public void Dispose_ThenExport_Throws()
    {
        var gk = GroupKey.Create("g", 1);
        gk.Dispose();

        Assert.Throws<ObjectDisposedException>(() => gk.ExportKey(new byte[32]));
    }
}

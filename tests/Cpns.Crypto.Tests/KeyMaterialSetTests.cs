namespace Cpns.Crypto.Tests;

public sealed class KeyMaterialSetTests
{
    [Fact]
    public void Import_OfExport_DerivesTheSameGkdks()
    {
        using var original = KeyMaterialSet.Create(12);
        using var restored = KeyMaterialSet.Import(original.Export());

        using var a = BroadcastScheme.SubsetDifference.DeriveGkdk(original, 1234);
        using var b = BroadcastScheme.SubsetDifference.DeriveGkdk(restored, 1234);
        Assert.Equal(12, restored.Height);
        Assert.Equal(a.Export(), b.Export());
    }

    [Fact]
    public void Create_Twice_GivesUnrelatedSets()
    {
        using var first = KeyMaterialSet.Create(4);
        using var second = KeyMaterialSet.Create(4);

        Assert.NotEqual(first.Export(), second.Export());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(25)]
    [InlineData(-1)]
    public void Create_HeightOutOfRange_Throws(int height) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => KeyMaterialSet.Create(height));

    [Fact]
    public void Import_BadEncodings_ThrowFormatException()
    {
        using var kms = KeyMaterialSet.Create(4);
        var good = kms.Export();
        byte[][] bad = [[], good[..^1], [.. good, 0], With(good, 0, 2), With(good, 2, 9), With(good, 3, 0), With(good, 3, 25)];

        foreach (var encoding in bad)
        {
            Assert.Throws<FormatException>(() => KeyMaterialSet.Import(encoding));
        }

        static byte[] With(byte[] source, int index, byte value)
        {
            var copy = source.ToArray();
            copy[index] = value;
            return copy;
        }
    }

    [Fact]
    public void Dispose_ThenUse_Throws()
    {
        var kms = KeyMaterialSet.Create(4);
        kms.Dispose();

        Assert.Throws<ObjectDisposedException>(() => BroadcastScheme.SubsetDifference.DeriveGkdk(kms, 1));
        Assert.Throws<ObjectDisposedException>(() => kms.Export());
    }

    [Fact]
    public void ToString_ShowsNoSecret()
    {
        using var kms = KeyMaterialSet.Create(4);
        var hex = Convert.ToHexString(kms.Export().AsSpan(4));

        Assert.DoesNotContain(hex[..8], kms.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal("KeyMaterialSet(height=4, suite=Aes256GcmHkdfSha256)", kms.ToString());
    }
}

namespace Cpns.Crypto.Tests;

public sealed class GkdkTests
{
    [Fact]
    public void Import_BadEncodings_ThrowFormatException()
    {
        using var kms = KeyMaterialSet.Create(5);
        using var gkdk = BroadcastScheme.SubsetDifference.DeriveGkdk(kms, 3);
        var good = gkdk.Export();
        byte[][] bad = [[], good[..8], good[..^1], [.. good, 1], With(good, 0, 2), With(good, 1, 9), With(good, 3, 7), With(good, 4, 6), With(good, 5, 1)];

        foreach (var encoding in bad)
        {
            Assert.Throws<FormatException>(() => Gkdk.Import(encoding));
        }

        static byte[] With(byte[] source, int index, byte value)
        {
            var copy = source.ToArray();
            copy[index] = value;
            return copy;
        }
    }

    [Fact]
    public void Dispose_WipesAndRefusesUse()
    {
        using var kms = KeyMaterialSet.Create(4);
        var gkdk = BroadcastScheme.SubsetDifference.DeriveGkdk(kms, 3);
        gkdk.Dispose();

        Assert.Throws<ObjectDisposedException>(() => gkdk.Export());
    }

    [Fact]
    public void ToString_ShowsNoLabel()
    {
        using var kms = KeyMaterialSet.Create(4);
        using var gkdk = BroadcastScheme.SubsetDifference.DeriveGkdk(kms, 3);

        Assert.Equal("Gkdk(scheme=SubsetDifference, height=4, leaf=3)", gkdk.ToString());
    }
}

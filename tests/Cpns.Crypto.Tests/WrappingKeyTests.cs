using System.Security.Cryptography;

namespace Cpns.Crypto.Tests;

public sealed class WrappingKeyTests
{
    [Fact]
    public void TryOpen_OfSeal_RoundTrips()
    {
        using var key = WrappingKey.Create();
        var secret = RandomNumberGenerator.GetBytes(100);
        var sealedValue = key.Seal(secret, "ad"u8);
        var output = new byte[100];

        Assert.True(key.TryOpen(sealedValue, "ad"u8, output, out var written));
        Assert.Equal(100, written);
        Assert.Equal(secret, output);
        Assert.Equal(100 + WrappingKey.Overhead, sealedValue.Length);
    }

    [Fact]
    public void TryOpen_WrongAssociatedDataKeyOrBits_FailsAndWipes()
    {
        using var key = WrappingKey.Create();
        using var other = WrappingKey.Create();
        var sealedValue = key.Seal(new byte[] { 1, 2, 3 }, "gw-1"u8);
        var flipped = sealedValue.ToArray();
        flipped[15] ^= 1;
        var output = new byte[] { 9, 9, 9 };

        Assert.False(key.TryOpen(sealedValue, "gw-2"u8, output, out _));
        Assert.Equal(new byte[3], output);
        Assert.False(other.TryOpen(sealedValue, "gw-1"u8, output, out _));
        Assert.False(key.TryOpen(flipped, "gw-1"u8, output, out _));
        Assert.False(key.TryOpen(sealedValue[..27], "gw-1"u8, output, out _));
    }

    [Fact]
    public void Import_OfExport_OpensTheSame()
    {
        using var key = WrappingKey.Create();
        var raw = new byte[32];
        key.Export(raw);
        using var copy = WrappingKey.Import(raw);
        var sealedValue = key.Seal("x"u8, default);

        Assert.True(copy.TryOpen(sealedValue, default, new byte[1], out _));
        Assert.Throws<ArgumentException>(() => WrappingKey.Import(new byte[16]));
    }
}

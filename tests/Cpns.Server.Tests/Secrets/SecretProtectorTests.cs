using System.Security.Cryptography;
using Cpns.Server.Secrets;

namespace Cpns.Server.Tests.Secrets;

public sealed class SecretProtectorTests
{
    private static SecretProtector NewProtector() =>
        new(MasterKey.Load(new ServerOptions { MasterKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) }));

    [Fact]
    public void SealGroupKey_OpenWithSameGroupAndEpoch_RoundTrips()
    {
        var protector = NewProtector();
        var gk = RandomNumberGenerator.GetBytes(32);
        var group = Guid.NewGuid();

        var sealedKey = protector.SealGroupKey(group, 7, gk);
        var opened = new byte[32];

        Assert.Equal(32 + SecretProtector.Overhead, sealedKey.Length);
        Assert.True(protector.TryOpenGroupKey(group, 7, sealedKey, opened));
        Assert.Equal(gk, opened);
    }

    [Fact]
    public void TryOpenGroupKey_OtherEpochGroupOrTampered_FailsAndWipes()
    {
        var protector = NewProtector();
        var group = Guid.NewGuid();
        var sealedKey = protector.SealGroupKey(group, 7, RandomNumberGenerator.GetBytes(32));
        var tampered = (byte[])sealedKey.Clone();
        tampered[20] ^= 1;
        var output = new byte[32];

        Assert.False(protector.TryOpenGroupKey(group, 8, sealedKey, output));
        Assert.False(protector.TryOpenGroupKey(Guid.NewGuid(), 7, sealedKey, output));
        Assert.False(protector.TryOpenGroupKey(group, 7, tampered, output));
        Assert.False(NewProtector().TryOpenGroupKey(group, 7, sealedKey, output));
        Assert.All(output, b => Assert.Equal(0, b));
    }

    [Fact]
    public void Seal_SamePlaintextTwice_DifferentCiphertexts()
    {
        var protector = NewProtector();
        var gk = new byte[32];

        Assert.NotEqual(protector.SealGroupKey(Guid.Empty, 1, gk), protector.SealGroupKey(Guid.Empty, 1, gk));
    }
}

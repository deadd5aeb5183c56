using CsCheck;

namespace Cpns.Crypto.Tests;

/// <summary>Every decoder of the crypto core fed random and mutated bytes: a typed refusal, never another exception.</summary>
public sealed class DecoderRobustnessTests
{
    private static readonly Gen<byte[]> RandomBytes = Gen.Byte.Array[0, 2048];

    [Fact]
    public void GkdkImport_RandomAndMutatedInput_OnlyFormatExceptionOrValid()
    {
        using var kms = KeyMaterialSet.Create(6);
        using var gkdk = BroadcastScheme.SubsetDifference.DeriveGkdk(kms, 9);
        var valid = gkdk.Export();
        Gen.Select(RandomBytes, Gen.Int[0, valid.Length - 1], Gen.Byte, Gen.Int[0, valid.Length]).Sample(t =>
        {
            var (random, index, value, cut) = t;
            var mutated = valid.ToArray();
            mutated[index] ^= value;
            foreach (var input in new[] { random, mutated, valid[..cut] })
            {
                try
                {
                    Gkdk.Import(input).Dispose();
                }
                catch (FormatException)
                {
                }
            }
        }, iter: 3000);
    }

    [Fact]
    public void KeyMaterialSetImport_RandomInput_OnlyFormatExceptionOrValid()
    {
        RandomBytes.Sample(input =>
        {
            try
            {
                KeyMaterialSet.Import(input).Dispose();
            }
            catch (FormatException)
            {
            }
        }, iter: 3000);
    }

    [Fact]
    public void TryDecrypt_RandomHeadersNoncesAndSeals_NeverThrowsNorSucceeds()
    {
        using var kms = KeyMaterialSet.Create(8);
        using var gk = GroupKey.Create("g", 1);
        var schemes = new[] { BroadcastScheme.SubsetDifference, BroadcastScheme.CompleteSubtree, BroadcastScheme.Direct };
        var gkdks = schemes.Select(s => s.DeriveGkdk(kms, 17)).ToArray();
        Gen.Select(RandomBytes, Gen.Byte.Array[0, 20], Gen.Byte.Array[0, 60], Gen.Int[0, 2]).Sample(t =>
        {
            var (header, nonce, sealedKey, k) = t;
            var broadcast = new GroupKeyBroadcast(schemes[k].Id, CipherSuite.Aes256GcmHkdfSha256, "pn", "g", 1, header, nonce, sealedKey);
            var status = schemes[k].TryDecrypt(gkdks[k], broadcast, out var received);
            Assert.NotEqual(BroadcastDecryptStatus.Success, status);
            Assert.Null(received);
        }, iter: 3000);
        foreach (var gkdk in gkdks)
        {
            gkdk.Dispose();
        }
    }
}

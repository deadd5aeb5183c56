using System.Security.Cryptography;

namespace Cpns.Crypto.Tests;

public sealed class AesBlockTests
{
    [Fact]
    public void Encrypt_Fips197AppendixC3_MatchesKnownAnswer()
    {
        var key = Convert.FromHexString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
        var plain = Convert.FromHexString("00112233445566778899aabbccddeeff");
        var output = new byte[16];

        AesBlock.Encrypt(key, plain, output);

        Assert.Equal("8ea2b7ca516745bfeafc49904b496089", Convert.ToHexStringLower(output));
    }

    [Fact]
    public void EncryptHardware_100000RandomKeysAndBlocks_MatchesPlatformAes()
    {
        Assert.SkipUnless(AesBlock.IsHardwareAccelerated, "This processor has no AES-NI; the platform path is the only one.");
        var key = new byte[32];
        var input = new byte[64];
        var expected = new byte[64];
        var actual = new byte[64];
        using var aes = Aes.Create();
        for (var n = 0; n < 100_000; n++)
        {
            RandomNumberGenerator.Fill(key);
            RandomNumberGenerator.Fill(input);
            // 1 to 4 blocks, so both the paired and the single-block rounds are exercised.
            var length = 16 * (1 + (n % 4));
            aes.Key = key;
            aes.EncryptEcb(input.AsSpan(0, length), expected, PaddingMode.None);

            AesBlock.EncryptHardware(key, input.AsSpan(0, length), actual);

            Assert.True(expected.AsSpan(0, length).SequenceEqual(actual.AsSpan(0, length)), $"AES-NI differs from the platform AES at sample {n}.");
        }
    }

    [Fact]
    public void Encrypt_OutputAliasesKey_ReadsKeyBeforeWriting()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var input = RandomNumberGenerator.GetBytes(32);
        var expected = new byte[32];
        AesBlock.EncryptPortable(key, input, expected);

        AesBlock.Encrypt(key, input, key);

        Assert.Equal(expected, key);
    }
}

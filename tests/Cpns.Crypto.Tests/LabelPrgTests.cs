using System.Security.Cryptography;

namespace Cpns.Crypto.Tests;

public sealed class LabelPrgTests
{
    private static byte[] Definition(byte[] label, byte first, byte second)
    {
        // G_X(S) = AES-256_S(C_a) || AES-256_S(C_b), C_k = k followed by 15 zero bytes.
        var input = new byte[32];
        input[0] = first;
        input[16] = second;
        using var aes = Aes.Create();
        aes.Key = label;
        return aes.EncryptEcb(input, PaddingMode.None);
    }

    [Fact]
    public void LeftMiddleRight_RandomLabels_MatchDefinition()
    {
        for (var n = 0; n < 200; n++)
        {
            var label = RandomNumberGenerator.GetBytes(32);
            var output = new byte[32];

            LabelPrg.Left(label, output);
            Assert.Equal(Definition(label, 0, 1), output);
            LabelPrg.Middle(label, output);
            Assert.Equal(Definition(label, 2, 3), output);
            LabelPrg.Right(label, output);
            Assert.Equal(Definition(label, 4, 5), output);
        }
    }

    [Fact]
    public void Children_RandomLabel_EqualsLeftAndRight()
    {
        var label = RandomNumberGenerator.GetBytes(32);
        var left = new byte[32];
        var right = new byte[32];

        LabelPrg.Children(label, left, right);

        Assert.Equal(Definition(label, 0, 1), left);
        Assert.Equal(Definition(label, 4, 5), right);
    }
}

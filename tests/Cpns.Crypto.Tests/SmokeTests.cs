namespace Cpns.Crypto.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void Suite_First_IsOne() => Assert.Equal(1, (int)CipherSuite.Aes256GcmHkdfSha256);
}

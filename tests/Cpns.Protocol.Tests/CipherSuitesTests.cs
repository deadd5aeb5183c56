namespace Cpns.Protocol.Tests;

public sealed class CipherSuitesTests
{
    [Theory]
    [InlineData(0u, false)]
    [InlineData(1u, true)]
    [InlineData(2u, false)]
    [InlineData(uint.MaxValue, false)]
    public void IsSupported_Suite_OnlyAes256GcmHkdfSha256(uint suite, bool expected) =>
        Assert.Equal(expected, CipherSuites.IsSupported(suite));
}

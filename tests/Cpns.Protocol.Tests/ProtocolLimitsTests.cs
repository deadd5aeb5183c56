namespace Cpns.Protocol.Tests;

public sealed class ProtocolLimitsTests
{
    [Fact]
    public void DerivedLengths_MatchTheirParts()
    {
        Assert.Equal(60, ProtocolLimits.WrappedGroupKeyLength);
        Assert.Equal(48, ProtocolLimits.SealedGroupKeyLength);
        Assert.Equal(28, ProtocolLimits.MinWrappedGkdkLength);
    }

    [Fact]
    public void MaxUnixTimeMilliseconds_IsLastConvertibleInstant() =>
        Assert.Equal(ProtocolLimits.MaxUnixTimeMilliseconds, DateTimeOffset.MaxValue.ToUnixTimeMilliseconds());

    [Fact]
    public void MaxMessageSize_LeavesRoomAroundLargestHeader() =>
        Assert.True(ProtocolLimits.MaxMessageSize > ProtocolLimits.MaxBroadcastHeaderLength + 1024);
}

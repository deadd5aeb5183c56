using Cpns.Benchmarks.Anchors;
using Cpns.Crypto;

namespace Cpns.Benchmarks.Tests.Anchors;

public sealed class CpnsRekeyTests
{
    public static TheoryData<int, int, BroadcastSchemeId> Layouts() => new()
    {
        { 32, 1, BroadcastSchemeId.SubsetDifference },
        { 32, 2, BroadcastSchemeId.SubsetDifference },
        { 32, 32, BroadcastSchemeId.SubsetDifference },
        { 32, 1, BroadcastSchemeId.Direct },
        { 48, 3, BroadcastSchemeId.Direct },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void VerifyEveryMember_AfterOneLeaves_EveryMemberOpensTheNewKeyAndTheRemovedOneCannot(int members, int pns, BroadcastSchemeId scheme)
    {
        using var rekey = new CpnsRekey(members, pns, BroadcastScheme.Get(scheme));

        Assert.True(rekey.VerifyEveryMember());
    }

    [Fact]
    public void GatewaysNotified_OnePnPerMember_SkipsThePnLeftEmpty()
    {
        using var rekey = new CpnsRekey(16, 16, BroadcastScheme.SubsetDifference);

        Assert.Equal(15, rekey.GatewaysNotified);
    }

    [Fact]
    public void MemberDecrypt_ABroadcastForAnotherPn_IsNotARecipient()
    {
        using var rekey = new CpnsRekey(32, 2, BroadcastScheme.SubsetDifference);
        var key = new byte[32];
        var notifications = rekey.ServerRekey(key);
        var other = 1 - rekey.MeasuredGateway;

        var status = rekey.MemberDecrypt(rekey.GatewayBroadcast(other, notifications[other]), new byte[32]);

        Assert.NotEqual(BroadcastDecryptStatus.Success, status);
    }

    [Fact]
    public void Measure_WithoutTiming_ReportsSmallerBroadcastsForSubsetDifferenceThanDirect()
    {
        var sd = AnchorsRun.Measure(64, 1, BroadcastScheme.SubsetDifference, measure: false);
        var direct = AnchorsRun.Measure(64, 1, BroadcastScheme.Direct, measure: false);

        Assert.True(sd.EveryMemberChecked);
        Assert.Equal(63, direct.HeaderEntries);
        Assert.True(sd.BytesPerMember < direct.BytesPerMember);
    }
}

using Cpns.Load.Scenarios;

namespace Cpns.Load.Tests.Scenarios;

public sealed class GroupLayoutTests
{
    [Fact]
    public void Plan_GroupsGoRoundTheGateways_EveryMembershipOnceAndEvenlySpread()
    {
        // 100 groups x 10 gateways over 1,000 gateways: each gateway in exactly one group, 5 of its 10 PNEs.
        var groups = GroupLayout.Plan(0, 100, 0, 1000, 10, 5, 10);

        var members = groups.SelectMany(g => g.Members).ToList();
        Assert.Equal(5000, members.Count);
        Assert.Equal(members.Count, members.Distinct().Count());
        Assert.All(groups, g => Assert.Equal(10, g.GatewayCount));
        Assert.Equal(1000, members.Select(m => m.GatewayId).Distinct().Count());
    }

    [Fact]
    public void Plan_SecondRound_TakesTheNextPnes()
    {
        // 4 groups x 3 gateways over 5 gateways wrap around: the second round takes PNEs 2-3 instead of 0-1, the
        // third wraps to 0-1 again (a PNE may belong to several groups; never twice to one).
        var groups = GroupLayout.Plan(0, 4, 0, 5, 3, 2, 4);

        Assert.Contains(("gw00000", "gw00000-pne002"), groups[1].Members);
        Assert.Contains(("gw00000", "gw00000-pne000"), groups[3].Members);
        Assert.All(groups, g => Assert.Equal(g.Members.Count, g.Members.Distinct().Count()));
    }

    [Fact]
    public void Plan_GatewayOffset_UsesOnlyTheNewGateways()
    {
        var groups = GroupLayout.Plan(10, 2, 200, 200, 10, 2, 2);

        Assert.All(groups.SelectMany(g => g.Members), m => Assert.InRange(int.Parse(m.GatewayId[2..], System.Globalization.CultureInfo.InvariantCulture), 200, 399));
        Assert.Equal("load-00010", groups[0].Name);
    }
}

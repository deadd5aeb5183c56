using Cpns.Load.Fleet;

namespace Cpns.Load.Scenarios;

/// <summary>
/// Which PNEs belong to which group. Group g spans <c>gatewaysPerGroup</c> consecutive gateways (wrapping around), and
/// takes <c>membersPerGateway</c> PNEs behind each; once the groups have gone round all gateways the next round takes
/// the next PNEs, so memberships spread evenly over gateways and PNEs.
/// </summary>
internal static class GroupLayout
{
    public static List<GroupPlan> Plan(int firstGroup, int groupCount, int firstGateway, int gatewayCount, int gatewaysPerGroup, int membersPerGateway, int pnesPerGateway)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(gatewayCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(gatewaysPerGroup, gatewayCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(membersPerGateway, pnesPerGateway);
        var groups = new List<GroupPlan>(groupCount);
        for (var g = 0; g < groupCount; g++)
        {
            var members = new List<(string, string)>(gatewaysPerGroup * membersPerGateway);
            for (var j = 0; j < gatewaysPerGroup; j++)
            {
                var slot = (g * gatewaysPerGroup) + j;
                var gatewayId = SimulatedFleet.GatewayId(firstGateway + (slot % gatewayCount));
                var round = slot / gatewayCount;
                for (var i = 0; i < membersPerGateway; i++)
                {
                    members.Add((gatewayId, SimulatedPn.PneId(gatewayId, ((round * membersPerGateway) + i) % pnesPerGateway)));
                }
            }

            groups.Add(new GroupPlan($"load-{firstGroup + g:D5}", members));
        }

        return groups;
    }
}

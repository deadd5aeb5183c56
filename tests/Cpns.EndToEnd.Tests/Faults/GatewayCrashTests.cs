using Cpns.Cli.Demo;

namespace Cpns.EndToEnd.Tests.Faults;

/// <summary>
/// kill -9 of a PN Gateway while it broadcasts (issue 8, Faults): two gateway processes, two in-process PNEs behind
/// each, groups with a member on each gateway; gw-1 is killed once it has published some of a bulk rotation's
/// broadcasts, and restarted from its data directory on the same ports.
/// </summary>
[Collection(FaultsCollection.Name)]
public sealed class GatewayCrashTests
{
    private const int GroupCount = 60;

    [Fact]
    public async Task GatewayKilledWhileBroadcasting_AfterRestart_ItsMembersConvergeWithoutRepairing()
    {
        var options = new DemoSystemOptions { DataDirectory = FaultBed.NewDataDirectory("gateway-kill"), Pns = 2, PnesPerPn = 2, Timeout = TimeSpan.FromSeconds(120) };
        await using var bed = await FaultBed.StartAsync(options);
        var byGateway = bed.System.Pnes.GroupBy(p => p.Gateway.GatewayId).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => g.ToList()).ToList();
        await bed.CreateGroupsAsync(GroupCount, i => byGateway.Select(pnes => pnes[i % pnes.Count]));
        await bed.WaitForConvergenceAsync(TimeSpan.FromSeconds(90));

        var gateway = bed.System.Gateways.Single(g => g.GatewayId == "gw-1");
        var behind = bed.System.Pnes.Where(p => p.Gateway == gateway).ToList();
        var leaves = new Dictionary<string, int?>(StringComparer.Ordinal);
        foreach (var pne in behind)
        {
            var (hasGkdk, leaf) = await pne.GetGkdkAsync(FaultBed.Ct);
            Assert.True(hasGkdk);
            leaves[pne.PneId] = leaf;
        }

        var inventory = await bed.Api.ListPnesAsync(gateway.GatewayId, FaultBed.Ct);

        // Killed after it published its first broadcast of the new epochs, with the rest of the rotation still coming.
        var mark = gateway.Process.LineCount;
        var acknowledged = await bed.RotateAllAsync(parallelism: 16, faultAfter: 1, fault: async () =>
        {
            await gateway.Process.WaitForLineAsync(l => l.Contains("step 6: Group Key broadcast", StringComparison.Ordinal) && l.Contains(" epoch 2 ", StringComparison.Ordinal), mark, options.Timeout, FaultBed.Ct);
            await gateway.Process.KillAsync();
        }, stopAtFault: false);
        var published = gateway.Process.Lines.Skip(mark).Count(l => l.Contains("step 6: Group Key broadcast", StringComparison.Ordinal) && l.Contains(" epoch 2 ", StringComparison.Ordinal));
        bed.Log($"gw-1 killed after publishing {published} of {GroupCount} new broadcasts");
        Assert.Equal(GroupCount, acknowledged.Count);
        Assert.InRange(published, 1, GroupCount - 1);

        await gateway.RestartAsync(options.Timeout, FaultBed.Ct);
        bed.Log("gw-1 restarted");
        var current = await bed.WaitForConvergenceAsync(TimeSpan.FromSeconds(120), acknowledged);
        await bed.AssertEpochHistoryAsync(current, acknowledged);

        // No re-pairing: the same PNEs with the same GKDK leaves, the same inventory, and no pairing in the restarted gateway.
        foreach (var pne in behind)
        {
            Assert.Equal((true, leaves[pne.PneId]), await pne.GetGkdkAsync(FaultBed.Ct));
        }

        Assert.Equal(inventory.Order(StringComparer.Ordinal), (await bed.Api.ListPnesAsync(gateway.GatewayId, FaultBed.Ct)).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(gateway.Process.Lines, l => l.Contains("paired (EU-Key assigned", StringComparison.Ordinal) || l.Contains("GKDK Assignment Response sent", StringComparison.Ordinal));
    }
}

using Cpns.Cli.Demo;

namespace Cpns.EndToEnd.Tests.Faults;

/// <summary>
/// kill -9 of the CPNS Server in the middle of a bulk rotation (issue 8, Faults): SQLite and the embedded broker, two
/// gateway processes, two in-process PNEs behind each; 500 groups, each with one member on each gateway.
/// </summary>
[Collection(FaultsCollection.Name)]
public sealed class ServerCrashTests
{
    private const int GroupCount = 500;

    [Fact]
    public async Task ServerKilledDuringBulkRotation_AfterRestart_EveryMemberHoldsTheCurrentEpochAndEpochsAreGapFree()
    {
        var options = new DemoSystemOptions { DataDirectory = FaultBed.NewDataDirectory("server-kill"), Pns = 2, PnesPerPn = 2, Timeout = TimeSpan.FromSeconds(120) };
        await using var bed = await FaultBed.StartAsync(options);

        // Group i: the (i mod 2)-th PNE of each PN, so each PNE is in 250 groups and each group spans both gateways.
        var byGateway = bed.System.Pnes.GroupBy(p => p.Gateway.GatewayId).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => g.ToList()).ToList();
        await bed.CreateGroupsAsync(GroupCount, i => byGateway.Select(pnes => pnes[i % pnes.Count]), parallelism: 16);

        // The rotation starts while epoch 1 is still being delivered: the kill finds the outbox and the gateways busy.

        var server = bed.System.Servers[0];
        var acknowledged = await bed.RotateAllAsync(parallelism: 16, faultAfter: GroupCount / 3, fault: () => server.Process.KillAsync(), stopAtFault: true);
        Assert.True(server.Process.HasExited);
        Assert.InRange(acknowledged.Count, GroupCount / 3, GroupCount - 1);

        await server.RestartAsync(options.Timeout, FaultBed.Ct);
        bed.Log("server restarted");

        // Nothing is rotated after the restart: what the members end up holding comes from the outbox the crash left.
        var current = await bed.WaitForConvergenceAsync(TimeSpan.FromSeconds(150), acknowledged);
        await bed.AssertEpochHistoryAsync(current, acknowledged);
        Assert.All(current.Values, epoch => Assert.InRange(epoch, 1, 2));
    }
}

using Cpns.Cli.Demo;

namespace Cpns.EndToEnd.Tests.Faults;

/// <summary>
/// The MQTT broker restarts during delivery (issue 8, Faults): the server's embedded broker (its restart is the
/// server's: SIGTERM and start again on the same ports) and Mosquitto as an external broker (SIGKILL and start again
/// on the same port, sessions lost). Two gateway processes, two in-process PNEs behind each; the broker goes down once
/// the first broadcasts of a bulk rotation are out.
/// </summary>
[Collection(FaultsCollection.Name)]
public sealed class BrokerRestartTests
{
    private const int GroupCount = 60;

    [Fact]
    public async Task EmbeddedBrokerRestartsDuringDelivery_EveryMemberConverges_NoAcknowledgedWorkLost()
    {
        var options = new DemoSystemOptions { DataDirectory = FaultBed.NewDataDirectory("embedded-broker"), Pns = 2, PnesPerPn = 2, Timeout = TimeSpan.FromSeconds(120) };
        await using var bed = await FaultBed.StartAsync(options);
        var server = bed.System.Servers[0];
        await RunAsync(bed, async () =>
        {
            await server.RestartAsync(options.Timeout, FaultBed.Ct);
            bed.Log("server (and its embedded broker) restarted");
        });
    }

    [Fact]
    public async Task MosquittoRestartsDuringDelivery_EveryMemberConverges_NoAcknowledgedWorkLost()
    {
        var data = FaultBed.NewDataDirectory("mosquitto");
        await using var mosquitto = await FaultMosquitto.StartAsync(Path.Combine(data, "server"), Path.Combine(data, "mosquitto"), Path.Combine(data, "logs", "broker-cert.log"));
        var options = new DemoSystemOptions { DataDirectory = data, Pns = 2, PnesPerPn = 2, Broker = mosquitto.Endpoint, Timeout = TimeSpan.FromSeconds(120) };
        await using var bed = await FaultBed.StartAsync(options);
        await RunAsync(bed, async () =>
        {
            await mosquitto.RestartAsync();
            bed.Log("mosquitto killed and started again");
        });
    }

    private static async Task RunAsync(FaultBed bed, Func<Task> restart)
    {
        var byGateway = bed.System.Pnes.GroupBy(p => p.Gateway.GatewayId).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => g.ToList()).ToList();
        await bed.CreateGroupsAsync(GroupCount, i => byGateway.Select(pnes => pnes[i % pnes.Count]));
        await bed.WaitForConvergenceAsync(TimeSpan.FromSeconds(90));

        // Rotations acknowledged before the restart must all reach every member; those the restart cut off are not promised.
        var gateways = bed.System.Gateways;
        var marks = gateways.ToDictionary(g => g.GatewayId, g => g.Process.LineCount, StringComparer.Ordinal);
        var acknowledged = await bed.RotateAllAsync(parallelism: 16, faultAfter: GroupCount / 3, fault: async () =>
        {
            await Task.WhenAny(gateways.Select(g => g.Process.WaitForLineAsync(l => l.Contains("step 6: Group Key broadcast", StringComparison.Ordinal) && l.Contains(" epoch 2 ", StringComparison.Ordinal), marks[g.GatewayId], bed.System.Options.Timeout, FaultBed.Ct)));
            await restart();
        }, stopAtFault: false);
        var published = gateways.Sum(g => g.Process.Lines.Skip(marks[g.GatewayId]).Count(l => l.Contains("step 6: Group Key broadcast", StringComparison.Ordinal) && l.Contains(" epoch 2 ", StringComparison.Ordinal)));
        bed.Log($"{published} of {GroupCount * gateways.Count} new broadcasts published when the rotation ended");

        var current = await bed.WaitForConvergenceAsync(TimeSpan.FromSeconds(120), acknowledged);
        await bed.AssertEpochHistoryAsync(current, acknowledged);
        await bed.WaitForDeliveriesAcknowledgedAsync(current, TimeSpan.FromSeconds(60));
    }
}

using System.Security.Cryptography;
using Cpns.Cli.Demo;
using Cpns.Device.Client;
using Cpns.Device.Storage;
using Cpns.EndToEnd.Tests.Support;
using Cpns.Server.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cpns.EndToEnd.Tests.Processes;

/// <summary>
/// The whole system as separate processes on loopback with real TLS: <c>cpns server</c>, one <c>cpns gateway run</c>
/// per PN, one <c>cpns device run</c> per PNE. The test drives only the REST API (through the demo's story) and checks
/// every step from the devices' own key stores, then reads each store once more itself.
/// </summary>
public sealed class ProcessStoryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Story_SqliteAndEmbeddedBroker_EveryStepHoldsInTheDevicesOwnStores()
    {
        using var directory = new TestDirectory();
        var options = new DemoSystemOptions { DataDirectory = directory.Path, Pns = 2, PnesPerPn = 3, DeviceProcesses = true, Timeout = TimeSpan.FromSeconds(120) };
        await RunStoryAsync(options);
    }

    [Fact]
    public async Task Story_TwoServerInstancesOnPostgresAndMosquitto_EveryStepHoldsInTheDevicesOwnStores()
    {
        await using var database = PostgresDatabase.CreateOrSkip();
        using var directory = new TestDirectory();
        var masterKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await using var mosquitto = await MosquittoProcess.StartAsync(
            Path.Combine(directory.Path, "server-1"), database.ConnectionString, masterKey, Path.Combine(directory.Path, "mosquitto"), Path.Combine(directory.Path, "logs", "broker-cert.log"));
        var options = new DemoSystemOptions
        {
            DataDirectory = directory.Path,
            Pns = 2,
            PnesPerPn = 3,
            DeviceProcesses = true,
            ServerInstances = 2,
            Database = database.ConnectionString,
            Broker = mosquitto.Endpoint,
            MasterKey = masterKey,
            Timeout = TimeSpan.FromSeconds(120),
        };
        await RunStoryAsync(options);
    }

    private static async Task RunStoryAsync(DemoSystemOptions options)
    {
        await using var system = new DemoSystem(options, NullLoggerFactory.Instance);
        var story = new DemoStory(system, groups: 2, rotateEverySeconds: 4);
        var passed = await story.RunAsync(Ct);
        Assert.True(passed, string.Join('\n', story.Steps.Select(s => $"{s.Name}: {(s.Passed == true ? "passed" : "FAILED")} {s.Detail}")));

        // Separate processes: one per server instance, gateway and PNE, each its own pid.
        var pnes = system.Pnes.Cast<ProcessPne>().ToList();
        var pids = system.Servers.Select(s => s.Process.Id).Concat(system.Gateways.Select(g => g.Process.Id)).Concat(pnes.Select(p => p.Process.Id)).ToList();
        Assert.Equal(options.ServerInstances + options.Pns + (options.Pns * options.PnesPerPn), pids.Distinct().Count());

        // Each device's store, opened here with the device's own key: the GKDK is there, and no key of a deleted group is active.
        foreach (var pne in pnes)
        {
            await using var client = await DeviceClient.OpenAsync(new DeviceClientOptions { DataDirectory = pne.DataDirectory }, cancellationToken: Ct);
            Assert.True(client.Store.HasGkdk, $"{pne.PneId} has no GKDK");
            foreach (var group in story.Groups)
            {
                var info = await client.Store.GetGroupAsync(group.Id, Ct);
                if (group.RoleOf(pne.PneId) == MemberRole.NonMember)
                {
                    Assert.Null(info);
                }
                else
                {
                    Assert.NotNull(info);
                    Assert.Equal(GroupKeyStatus.Deleted, info.Status);
                }
            }
        }

        // The story's roles are what the server says: of group 1, one member left and one was compromised.
        var first = story.Groups[0];
        Assert.Equal(1, first.Roles.Values.Count(r => r == MemberRole.Left));
        Assert.Equal(1, first.Roles.Values.Count(r => r == MemberRole.Compromised));
        Assert.True(story.Deliveries.Total > 0 && story.Deliveries.Acknowledged > 0);
    }
}

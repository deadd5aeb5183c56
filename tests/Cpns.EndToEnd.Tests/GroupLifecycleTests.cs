using Cpns.Device.Groups;
using Cpns.EndToEnd.Tests.Support;

namespace Cpns.EndToEnd.Tests;

/// <summary>
/// Server → PN GW → PNEs end to end: a real CPNS Server, two real gateways enrolled with one-time tokens and linked
/// over MQTT 5 + TLS, real devices paired to them; the test drives only the server's REST API and looks into each
/// device's own key store.
/// </summary>
public sealed class GroupLifecycleTests
{
    [Fact]
    public async Task GroupLifecycle_TwoPns_EachDeviceHoldsExactlyTheEpochsItIsEntitledTo()
    {
        await using var bed = await EndToEndBed.StartAsync();
        var a = await bed.GatewayAsync("gw-a", "a1", "a2", "a3");
        var b = await bed.GatewayAsync("gw-b", "b1", "b2", "b3");
        var all = new[] { (a, "a1"), (a, "a2"), (a, "a3"), (b, "b1"), (b, "b2"), (b, "b3") };

        // Created spanning both PNs: every member's store holds epoch 1, no non-member's does.
        var group = await bed.CreateGroupAsync((a, "a1"), (a, "a2"), (b, "b1"), (b, "b2"));
        Assert.Equal(1, await bed.CurrentEpochAsync(group));
        await WaitForEpochAsync(group, 1, (a, "a1"), (a, "a2"), (b, "b1"), (b, "b2"));
        await Eventually.TrueAsync(() => Task.FromResult(HandledBy(a, "a3", group, 1) && HandledBy(b, "b3", group, 1)), "the non-members to see epoch 1");
        Assert.Null(await a.InfoAsync("a3", group));
        Assert.Null(await b.InfoAsync("b3", group));

        // Removed: its store deletes the GK; the group rotates to 2 and the others hold 2.
        Assert.Equal(2, await bed.RemoveMemberAsync(group, b, "b2"));
        await Eventually.TrueAsync(async () => (await b.InfoAsync("b2", group))?.Status == Device.Storage.GroupKeyStatus.Deleted, "b2 to delete the group key");
        await WaitForEpochAsync(group, 2, (a, "a1"), (a, "a2"), (b, "b1"));
        Assert.Equal(0ul, await b.EpochAsync("b2", group));

        // Compromised: it never gets epoch 3 and cannot open its broadcast.
        Assert.Equal(3, await bed.CompromiseAsync(group, a, "a2"));
        await WaitForEpochAsync(group, 3, (a, "a1"), (b, "b1"));
        await Eventually.TrueAsync(
            () => Task.FromResult(a.Handled.Any(h => h.PneId == "a2" && h.GroupId == group && h.Epoch == 3 && h.Status == GroupKeyReceiveStatus.NotARecipient)),
            "a2 to fail to open the broadcast of epoch 3");
        Assert.True(await a.EpochAsync("a2", group) < 3);

        // Rotated: epoch 4 at every remaining member.
        Assert.Equal(4, await bed.RotateAsync(group));
        await WaitForEpochAsync(group, 4, (a, "a1"), (b, "b1"));
        Assert.True(await a.EpochAsync("a2", group) < 3);

        // Deleted: every device that held a key deleted it; nobody holds one.
        await bed.DeleteGroupAsync(group);
        await Eventually.TrueAsync(
            async () => (await a.InfoAsync("a1", group))?.Status == Device.Storage.GroupKeyStatus.Deleted
                && (await b.InfoAsync("b1", group))?.Status == Device.Storage.GroupKeyStatus.Deleted,
            "the members to delete the group key");
        foreach (var (node, pne) in all)
        {
            Assert.Equal(0ul, await node.EpochAsync(pne, group));
        }
    }

    [Fact]
    public async Task Sync_GatewayStoppedDuringTwoRotations_ItsDevicesReachTheLatestEpochAfterRestart()
    {
        await using var bed = await EndToEndBed.StartAsync();
        var a = await bed.GatewayAsync("gw-a", "a1");
        var b = await bed.GatewayAsync("gw-b", "b1", "b2");
        var group = await bed.CreateGroupAsync((a, "a1"), (b, "b1"), (b, "b2"));
        await WaitForEpochAsync(group, 1, (a, "a1"), (b, "b1"), (b, "b2"));

        await b.StopGatewayAsync();
        Assert.Equal(2, await bed.RotateAsync(group));
        Assert.Equal(3, await bed.RotateAsync(group));
        await WaitForEpochAsync(group, 3, (a, "a1"));
        Assert.Equal(1ul, await b.EpochAsync("b1", group));

        // Restarted from its data directory: no token, the stored certificate; the SyncRequest brings epoch 3.
        await b.StartGatewayAsync();
        await WaitForEpochAsync(group, 3, (b, "b1"), (b, "b2"));
        // The broker's persistent session may hand over the queued notifications first; the sync answers too.
        await Eventually.TrueAsync(() => Task.FromResult(b.Link.SyncResponseCount >= 1), "gw-b to handle the SyncResponse after its restart");
    }

    private static bool HandledBy(PnNode node, string pneId, string groupId, ulong epoch) =>
        node.Handled.Any(h => h.PneId == pneId && h.GroupId == groupId && h.Epoch == epoch);

    private static Task WaitForEpochAsync(string groupId, ulong epoch, params (PnNode Node, string PneId)[] devices) =>
        Eventually.TrueAsync(
            async () =>
            {
                foreach (var (node, pne) in devices)
                {
                    if (await node.EpochAsync(pne, groupId) != epoch)
                    {
                        return false;
                    }
                }

                return true;
            },
            $"epoch {epoch} at {string.Join(", ", devices.Select(d => d.PneId))}");
}

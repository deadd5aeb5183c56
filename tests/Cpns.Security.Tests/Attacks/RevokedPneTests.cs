using Cpns.Crypto;
using Cpns.Device.Groups;
using Cpns.Security.Tests.Support;

namespace Cpns.Security.Tests.Attacks;

/// <summary>
/// The broadcast encryption's promise (docs/crypto.md): a PNE that is revoked keeps its GKDK and EU-Key and sees
/// every broadcast of its PN, and still opens no later epoch; nor does the coalition of every excluded PNE.
/// </summary>
public sealed class RevokedPneTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RevokedPne_KeepsGkdkAndEuKeyAndListensToEveryBroadcast_OpensNoLaterEpochRefusedLoggedCounted()
    {
        using var metrics = new MetricCapture(Meters.All);
        await using var bed = await SecurityBed.StartAsync();
        var r = await bed.GatewayAsync("gw-r", "r1", "r2", "r3");
        var group = await bed.CreateGroupAsync((r, "r1"), (r, "r2"), (r, "r3"));

        // What the attacker keeps: everything r3's store holds while it is still a member.
        var kept = await DeviceSecrets.ReadAsync(r.Devices["r3"]);
        Assert.NotEmpty(kept.Gkdk);

        // Compromised in the group (the server rotates without it), then revoked from the PN by the gateway.
        Assert.Equal(2, await bed.CompromiseAsync(group, r, "r3"));
        await Eventually.TrueAsync(async () => await r.EpochAsync("r1", group) == 2, "r1 to hold epoch 2");
        await Eventually.TrueAsync(
            () => metrics.Sum("cpns.device.input.refused", ("reason", "GroupKeyNotStored"), ("status", "NotARecipient")) >= 1,
            "r3 to answer the epoch-2 broadcast NotARecipient");
        Assert.True(bed.Logs.Has(7002, "GroupKeyNotStored (NotARecipient at epoch"), "the device logs why it stored nothing");
        Assert.Equal(Gateway.Registry.RemovePneStatus.Removed, (await r.Host.RemovePneAsync("r3", Ct)).Status);
        Assert.Equal(3, await bed.RotateAsync(group));
        await Eventually.TrueAsync(async () => await r.EpochAsync("r2", group) == 3, "r2 to hold epoch 3");

        // Offline, with the kept GKDK, against every broadcast the gateway ever published in the PN.
        using var gkdk = kept.ImportGkdk();
        var outcomes = Forge.DecodedBroadcasts(r).Select(b => (b.Epoch, Status: BroadcastScheme.Get(gkdk.Scheme).TryDecrypt(gkdk, b, out var key), Key: key)).ToList();
        Assert.Contains(outcomes, o => o.Epoch == 1 && o.Status == BroadcastDecryptStatus.Success);
        Assert.Contains(outcomes, o => o.Epoch == 3);
        Assert.All(outcomes.Where(o => o.Epoch >= 2), o => Assert.Equal(BroadcastDecryptStatus.NotARecipient, o.Status));
        foreach (var o in outcomes)
        {
            o.Key?.Dispose();
        }

        // Online: r3 stored no later epoch; coming back with its kept certificate, every subscription is refused.
        Assert.True((await r.Devices["r3"].Store.GetGroupAsync(group, Ct))?.Epoch is null or < 2);
        Assert.DoesNotContain(r.Handled, h => h is { PneId: "r3", Status: GroupKeyReceiveStatus.Stored } && h.Epoch >= 2);
        await r.Devices["r3"].DisposeAsync();
        r.Devices.Remove("r3");
        await using var back = await Device.Client.DeviceClient.OpenAsync(r.DeviceOptions("r3"), bed.Logs, Ct);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        wait.CancelAfter(TimeSpan.FromSeconds(5));
        Assert.NotNull(await Record.ExceptionAsync(() => back.StartAsync(r.Host.PnEndpoint, wait.Token)));
        Assert.True(metrics.Sum("cpns.transport.broker.operations.refused", ("action", "subscribe"), ("reason", "PNE removed from the PN")) >= 1, metrics.Dump());
        Assert.True(bed.Logs.Has(111, "by r3 on"), "the broker logs the revoked PNE's refused subscription");
        Assert.True(bed.Logs.Has(111, "refused: PNE removed from the PN"), "with the reason");
    }

    [Fact]
    public async Task Coalition_OfAllExcludedPnes_PoolingTheirGkdks_OpensNothingRefusedLoggedCounted()
    {
        using var metrics = new MetricCapture(Meters.All);
        await using var bed = await SecurityBed.StartAsync();
        var c = await bed.GatewayAsync("gw-c", "c1", "c2", "c3", "c4", "c5", "c6");

        // Members c1 and c4; c2, c3, c5, c6 (and every unassigned leaf) are excluded.
        var group = await bed.CreateGroupAsync((c, "c1"), (c, "c4"));
        string[] excluded = ["c2", "c3", "c5", "c6"];
        await Eventually.TrueAsync(
            () => excluded.All(p => c.Handled.Any(h => h.PneId == p && h.GroupId == group && h.Status == GroupKeyReceiveStatus.NotARecipient)),
            "every excluded PNE to see the broadcast and answer NotARecipient");
        Assert.True(metrics.Sum("cpns.device.input.refused", ("reason", "GroupKeyNotStored"), ("status", "NotARecipient")) >= excluded.Length);
        Assert.True(bed.Logs.Has(7002, "GroupKeyNotStored (NotARecipient at epoch"));

        // The coalition pools every GKDK; Subset Difference labels only derive downwards (docs/crypto.md), so what the
        // coalition can derive is the union of what each member derives: every broadcast is tried with every GKDK.
        var gkdks = new List<Gkdk>();
        foreach (var p in excluded)
        {
            gkdks.Add((await DeviceSecrets.ReadAsync(c.Devices[p])).ImportGkdk());
        }

        var member = (await DeviceSecrets.ReadAsync(c.Devices["c1"])).ImportGkdk();
        try
        {
            var broadcasts = Forge.DecodedBroadcasts(c).Where(b => b.GroupId == group).ToList();
            Assert.NotEmpty(broadcasts);
            foreach (var broadcast in broadcasts)
            {
                Assert.True(broadcast.HeaderEntryCount >= 1);
                foreach (var gkdk in gkdks)
                {
                    Assert.Equal(BroadcastDecryptStatus.NotARecipient, BroadcastScheme.Get(gkdk.Scheme).TryDecrypt(gkdk, broadcast, out _));
                }

                // The same broadcast opens for a member: the attempt above is a real one.
                Assert.Equal(BroadcastDecryptStatus.Success, BroadcastScheme.Get(member.Scheme).TryDecrypt(member, broadcast, out var key));
                key!.Dispose();
            }
        }
        finally
        {
            member.Dispose();
            gkdks.ForEach(g => g.Dispose());
        }

        foreach (var p in excluded)
        {
            Assert.Equal(0UL, await c.EpochAsync(p, group));
        }
    }
}

using Cpns.Crypto;
using Cpns.Gateway.Delivery;
using Cpns.Gateway.GkdkAssignment;
using Cpns.Gateway.Tests.TestSupport;

namespace Cpns.Gateway.Tests.Storage;

public sealed class RestartTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Restart_BetweenUpdates_NoRepairingAndNextUpdateDecryptsWithOldGkdks()
    {
        await using var gw = await GatewayHarness.StartAsync();
        using var a = await gw.PairWithGkdkAsync("a");
        using var b = await gw.PairWithGkdkAsync("b");
        using var outsider = await gw.PairWithGkdkAsync("outsider");
        using var gk1 = GroupKey.Create("g", 1);
        await gw.Delivery.HandleNotificationAsync(gw.Notification(gk1, "a", "b"), Ct);
        await gw.Delivery.RecordPneResponseAsync("a", "g", 1, BroadcastDecryptStatus.Success, Ct);
        var leafA = a.Gkdk!.Leaf;

        await gw.RestartAsync();

        // Identity, per-gateway key, registry, leaves, key material set and epochs all survived.
        Assert.Equal((GatewayHarness.GatewayId, GatewayHarness.PnId, true), (gw.Store.GatewayId, gw.Store.PnId, gw.Store.HasGatewayKey));
        Assert.Equal(["a", "b", "outsider"], (await gw.Registry.GetInventoryAsync(Ct)).Pnes.Select(p => p.PneId));
        Assert.Equal(["b"], await gw.Delivery.PnesMissingAsync("g", Ct));
        // The stored Group Key opened: the same key is a duplicate, another key at that epoch a conflict.
        Assert.Equal(GroupKeyNotificationStatus.Duplicate, (await gw.Delivery.HandleNotificationAsync(gw.Notification(gk1, "a", "b"), Ct)).Status);
        using var forged = GroupKey.Create("g", 1);
        Assert.Equal(GroupKeyNotificationStatus.Conflict, (await gw.Delivery.HandleNotificationAsync(gw.Notification(forged, "a", "b"), Ct)).Status);
        var again = await gw.Gkdk.AssignGkdkAsync("a", Ct);
        Assert.Equal((GkdkAssignmentStatus.Assigned, leafA), (again.Status, again.Leaf));
        var buffer = new byte[again.WrappedGkdk.Length];
        Assert.True(a.EuKey.TryOpen(again.WrappedGkdk.Span, EndToEndAssociatedData.GkdkToPne(GatewayHarness.PnId, "a", leafA), buffer, out _));

        using var gk2 = GroupKey.Create("g", 2);
        var next = await gw.Delivery.HandleNotificationAsync(gw.Notification(gk2, "a", "b"), Ct);

        Assert.Equal(GroupKeyNotificationStatus.Delivered, next.Status);
        Assert.Equal(BroadcastDecryptStatus.Success, a.TryDecrypt(next.Broadcast!, out var ka));
        Assert.Equal(BroadcastDecryptStatus.Success, b.TryDecrypt(next.Broadcast!, out var kb));
        Assert.True(ka!.KeyEquals(gk2) && kb!.KeyEquals(gk2));
        Assert.Equal(BroadcastDecryptStatus.NotARecipient, outsider.TryDecrypt(next.Broadcast!, out _));
        // A new PNE after the restart gets a fresh leaf from the same set.
        using var c = await gw.PairWithGkdkAsync("c");
        Assert.Equal(3, c.Gkdk!.Leaf);
    }

    [Fact]
    public async Task Restart_StoredBroadcast_PublishableAgainAndDecryptable()
    {
        await using var gw = await GatewayHarness.StartAsync();
        using var a = await gw.PairWithGkdkAsync("a");
        using var gk = GroupKey.Create("g", 7);
        await gw.Delivery.HandleNotificationAsync(gw.Notification(gk, "a"), Ct);

        await gw.RestartAsync();
        var pending = Assert.Single(await gw.Delivery.PendingForPneAsync("a", Ct));

        Assert.Equal(BroadcastDecryptStatus.Success, a.TryDecrypt(pending.Broadcast, out var k));
        Assert.True(k!.KeyEquals(gk));
        Assert.Equal(GroupKeyNotificationStatus.Duplicate, (await gw.Delivery.HandleNotificationAsync(gw.Notification(gk, "a"), Ct)).Status);
    }
}

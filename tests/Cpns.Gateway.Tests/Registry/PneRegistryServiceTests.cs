using Cpns.Crypto;
using Cpns.Gateway.Registry;
using Cpns.Gateway.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace Cpns.Gateway.Tests.Registry;

public sealed class PneRegistryServiceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task GetInventory_RegisteredAndRemoved_ListedWithAliasAndTimes()
    {
        await using var gw = await GatewayHarness.StartAsync();
        using var a = await gw.PairAsync("a", "watch");
        var registeredA = gw.Time.GetUtcNow();
        gw.Time.Advance(TimeSpan.FromMinutes(1));
        using var b = await gw.PairWithGkdkAsync("b");
        gw.Time.Advance(TimeSpan.FromMinutes(1));
        await gw.Registry.RemovePneAsync("a", Ct);

        var inventory = await gw.Registry.GetInventoryAsync(Ct);

        Assert.Equal((GatewayHarness.GatewayId, GatewayHarness.PnId), (inventory.GatewayId, inventory.PnId));
        Assert.Equal(
            [
                new PnInventoryEntry("a", "watch", false, registeredA, true, registeredA + TimeSpan.FromMinutes(2)),
                new PnInventoryEntry("b", null, true, registeredA + TimeSpan.FromMinutes(1), false, null),
            ],
            inventory.Pnes);
    }

    [Fact]
    public async Task RemovePne_Member_ReturnsGroupsErasesEuKeyAndIsFinal()
    {
        await using var gw = await GatewayHarness.StartAsync();
        using var a = await gw.PairWithGkdkAsync("a");
        using var b = await gw.PairWithGkdkAsync("b");
        using var g1 = GroupKey.Create("g1", 1);
        using var g2 = GroupKey.Create("g2", 1);
        using var g3 = GroupKey.Create("g3", 1);
        await gw.Delivery.HandleNotificationAsync(gw.Notification(g1, "a", "b"), Ct);
        await gw.Delivery.HandleNotificationAsync(gw.Notification(g2, "b"), Ct);
        await gw.Delivery.HandleNotificationAsync(gw.Notification(g3, "a", "b"), Ct);

        var removed = await gw.Registry.RemovePneAsync("b", Ct);

        Assert.Equal(RemovePneStatus.Removed, removed.Status);
        Assert.Equal(["g1", "g2", "g3"], removed.AffectedGroupIds);
        Assert.Empty(await gw.Delivery.PnesMissingAsync("g2", Ct));
        var row = await gw.Store.RunAsync(db => db.Pnes.AsNoTracking().SingleAsync(p => p.PneId == "b", Ct), Ct);
        Assert.Empty(row.EuKeySealed);
        Assert.Equal(1, row.Leaf);
        Assert.Equal(RemovePneStatus.AlreadyRemoved, (await gw.Registry.RemovePneAsync("b", Ct)).Status);
        Assert.Equal(RemovePneStatus.UnknownPne, (await gw.Registry.RemovePneAsync("ghost", Ct)).Status);
    }
}

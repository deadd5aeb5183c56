using Cpns.Crypto;
using Cpns.Gateway.GkdkAssignment;
using Cpns.Gateway.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace Cpns.Gateway.Tests.GkdkAssignment;

public sealed class GkdkAssignmentServiceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AssignGkdk_FirstRequest_CreatesAndStoresKeyMaterialSet()
    {
        await using var gw = await GatewayHarness.StartAsync(o => o.TreeHeight = 10);
        using var pne = await gw.PairAsync("watch");
        Assert.Equal(0, await gw.Store.RunAsync(db => db.KeyMaterial.CountAsync(Ct), Ct));

        var result = await gw.AssignGkdkAsync(pne);

        // Step 3: created with the configured height and stored (sealed) in gateway.db.
        var row = await gw.Store.RunAsync(db => db.KeyMaterial.AsNoTracking().SingleAsync(Ct), Ct);
        Assert.Equal(10, row.Height);
        Assert.Equal(10, result.Height);
        Assert.Equal(36 + WrappingKey.Overhead, row.Sealed.Length);
        Assert.Equal(1, row.NextFreeLeaf);
        Assert.Equal(10, pne.Gkdk!.Height);
    }

    [Fact]
    public async Task AssignGkdk_DefaultOptions_TreeHeight16()
    {
        Assert.Equal(16, new GatewayOptions().TreeHeight);
        await using var gw = await GatewayHarness.StartAsync(o => o.TreeHeight = new GatewayOptions().TreeHeight);
        using var pne = await gw.PairAsync("watch");

        var result = await gw.AssignGkdkAsync(pne);

        Assert.Equal(16, result.Height);
    }

    [Fact]
    public async Task AssignGkdk_SecondPne_DoesNotRecreateKeyMaterialSet()
    {
        await using var gw = await GatewayHarness.StartAsync();
        using var first = await gw.PairWithGkdkAsync("watch");
        var sealedBefore = await gw.Store.RunAsync(db => db.KeyMaterial.AsNoTracking().Select(k => k.Sealed).SingleAsync(Ct), Ct);

        using var second = await gw.PairWithGkdkAsync("speaker");

        // Step 2 -> 4: the stored set is used as it is; both GKDKs come from the same set.
        var sealedAfter = await gw.Store.RunAsync(db => db.KeyMaterial.AsNoTracking().Select(k => k.Sealed).SingleAsync(Ct), Ct);
        Assert.Equal(sealedBefore, sealedAfter);
        using var gk = GroupKey.Create("family", 1);
        var delivered = await gw.Delivery.HandleNotificationAsync(gw.Notification(gk, "watch", "speaker"), Ct);
        Assert.Equal(BroadcastDecryptStatus.Success, first.TryDecrypt(delivered.Broadcast!, out var k1));
        Assert.Equal(BroadcastDecryptStatus.Success, second.TryDecrypt(delivered.Broadcast!, out var k2));
        Assert.True(k1!.KeyEquals(gk) && k2!.KeyEquals(gk));
    }

    [Fact]
    public async Task AssignGkdk_ManyPnesAndRemovals_LeavesDistinctAndNeverReused()
    {
        await using var gw = await GatewayHarness.StartAsync();
        var leaves = new List<int>();
        for (var i = 0; i < 6; i++)
        {
            using var pne = await gw.PairAsync($"pne-{i}");
            leaves.Add((await gw.AssignGkdkAsync(pne)).Leaf);
            if (i % 2 == 0)
            {
                await gw.Registry.RemovePneAsync(pne.PneId, Ct);
            }
        }

        Assert.Equal(leaves.Count, leaves.Distinct().Count());
        Assert.Equal([0, 1, 2, 3, 4, 5], leaves);
        await gw.RestartAsync();
        using var late = await gw.PairAsync("late");
        Assert.Equal(6, (await gw.AssignGkdkAsync(late)).Leaf);
    }

    [Fact]
    public async Task AssignGkdk_SamePneAgain_SameLeafAndGkdk()
    {
        await using var gw = await GatewayHarness.StartAsync();
        using var pne = await gw.PairAsync("watch");
        var first = await gw.AssignGkdkAsync(pne);
        var firstExport = pne.Gkdk!.Export();

        var second = await gw.AssignGkdkAsync(pne);

        Assert.Equal(first.Leaf, second.Leaf);
        Assert.Equal(firstExport, pne.Gkdk!.Export());
        Assert.NotEqual(first.WrappedGkdk.ToArray(), second.WrappedGkdk.ToArray());
    }

    [Fact]
    public async Task AssignGkdk_WrappedGkdk_OpensOnlyWithItsEuKeyAndAd()
    {
        await using var gw = await GatewayHarness.StartAsync();
        using var pne = await gw.PairAsync("watch");
        using var other = await gw.PairAsync("speaker");
        var result = await gw.Gkdk.AssignGkdkAsync(pne.PneId, Ct);
        var buffer = new byte[result.WrappedGkdk.Length];

        Assert.True(pne.EuKey.TryOpen(result.WrappedGkdk.Span, EndToEndAssociatedData.GkdkToPne(GatewayHarness.PnId, "watch", result.Leaf), buffer, out _));
        Assert.False(other.EuKey.TryOpen(result.WrappedGkdk.Span, EndToEndAssociatedData.GkdkToPne(GatewayHarness.PnId, "watch", result.Leaf), buffer, out _));
        Assert.False(pne.EuKey.TryOpen(result.WrappedGkdk.Span, EndToEndAssociatedData.GkdkToPne(GatewayHarness.PnId, "speaker", result.Leaf), buffer, out _));
        Assert.False(pne.EuKey.TryOpen(result.WrappedGkdk.Span, EndToEndAssociatedData.GkdkToPne(GatewayHarness.PnId, "watch", result.Leaf + 1), buffer, out _));
        Assert.False(pne.EuKey.TryOpen(result.WrappedGkdk.Span, EndToEndAssociatedData.GkdkToPne("pn-other", "watch", result.Leaf), buffer, out _));
    }

    [Fact]
    public async Task AssignGkdk_IssuedGkdk_DecryptsLaterBroadcast()
    {
        await using var gw = await GatewayHarness.StartAsync();
        using var pne = await gw.PairWithGkdkAsync("watch");
        using var gk = GroupKey.Create("family", 3);

        var result = await gw.Delivery.HandleNotificationAsync(gw.Notification(gk, "watch"), Ct);

        Assert.Equal(BroadcastDecryptStatus.Success, pne.TryDecrypt(result.Broadcast!, out var received));
        Assert.True(received!.KeyEquals(gk));
        Assert.Equal(3ul, received.Epoch);
    }

    [Fact]
    public async Task AssignGkdk_UnregisteredPne_RefusedUnknownPne()
    {
        await using var gw = await GatewayHarness.StartAsync();

        var result = await gw.Gkdk.AssignGkdkAsync("stranger", Ct);

        Assert.Equal(GkdkAssignmentStatus.UnknownPne, result.Status);
        Assert.True(result.WrappedGkdk.IsEmpty);
        // Refused before step 2: no key material set was created for a stranger.
        Assert.Equal(0, await gw.Store.RunAsync(db => db.KeyMaterial.CountAsync(Ct), Ct));
    }

    [Fact]
    public async Task AssignGkdk_RemovedPne_RefusedRemoved()
    {
        await using var gw = await GatewayHarness.StartAsync();
        using var pne = await gw.PairWithGkdkAsync("watch");
        await gw.Registry.RemovePneAsync("watch", Ct);

        var result = await gw.Gkdk.AssignGkdkAsync("watch", Ct);

        Assert.Equal(GkdkAssignmentStatus.Removed, result.Status);
        Assert.True(result.WrappedGkdk.IsEmpty);
    }

    [Fact]
    public async Task AssignGkdk_TreeFull_RefusedTreeFull()
    {
        await using var gw = await GatewayHarness.StartAsync(o => o.TreeHeight = 1);
        using var a = await gw.PairWithGkdkAsync("a");
        using var b = await gw.PairWithGkdkAsync("b");
        using var c = await gw.PairAsync("c");

        var result = await gw.Gkdk.AssignGkdkAsync("c", Ct);

        Assert.Equal(GkdkAssignmentStatus.TreeFull, result.Status);
    }

    [Fact]
    public async Task AssignGkdk_EachStep_LoggedAtDebugWithStepNumber()
    {
        var logs = new ListLoggerProvider();
        await using var gw = await GatewayHarness.StartAsync(loggerFactory: logs);
        using var first = await gw.PairWithGkdkAsync("a");
        using var second = await gw.PairWithGkdkAsync("b");

        var ids = logs.Entries.Select(e => e.EventId.Id).ToList();
        // First PNE: steps 1, 2 (none stored), 3, 4, 5; second: 1, 2 (stored) -> 4, 5.
        Assert.Equal([3001, 3003, 3004, 3005, 3007, 3001, 3002, 3005, 3007], ids.Where(id => id is > 3000 and < 3100));
        Assert.Contains(logs.Entries, e => e.EventId.Id == 3004 && e.Message.Contains("step 3", StringComparison.Ordinal));
    }
}

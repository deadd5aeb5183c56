using Cpns.Crypto;
using Cpns.Gateway.Delivery;
using Cpns.Gateway.Tests.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace Cpns.Gateway.Tests.Delivery;

public sealed class GroupKeyDeleteServiceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task HandleDelete_WholeGroup_StateGoneMembersToldAndOldEpochsStale()
    {
        await using var gw = await GatewayHarness.StartAsync();
        using var a = await gw.PairWithGkdkAsync("a");
        using var b = await gw.PairWithGkdkAsync("b");
        using var gk = GroupKey.Create("g", 3);
        await gw.Delivery.HandleNotificationAsync(gw.Notification(gk, "a", "b"), Ct);

        var result = await gw.Deletes.HandleDeleteAsync(new GroupKeyDelete("g", 3, "group deleted", []), Ct);

        Assert.Equal(GroupKeyDeleteStatus.Deleted, result.Status);
        Assert.Equal(["a", "b"], result.AffectedPneIds);
        Assert.True(result.ClearRetainedBroadcast);
        Assert.Null(await gw.Delivery.GetLatestBroadcastAsync("g", Ct));
        Assert.Equal(0, await gw.Store.RunAsync(db => db.Groups.CountAsync(Ct), Ct));
        Assert.Equal(GroupKeyNotificationStatus.Stale, (await gw.Delivery.HandleNotificationAsync(gw.Notification(gk, "a"), Ct)).Status);
        // Repeating the delete is harmless and names the same PNEs.
        Assert.Equal(["a", "b"], (await gw.Deletes.HandleDeleteAsync(new GroupKeyDelete("g", 3, null, []), Ct)).AffectedPneIds);
    }

    [Fact]
    public async Task RecordDeleteAck_AllAffected_ReportComplete()
    {
        await using var gw = await GatewayHarness.StartAsync();
        using var a = await gw.PairWithGkdkAsync("a");
        using var b = await gw.PairWithGkdkAsync("b");
        using var gk = GroupKey.Create("g", 1);
        await gw.Delivery.HandleNotificationAsync(gw.Notification(gk, "a", "b"), Ct);
        await gw.Deletes.HandleDeleteAsync(new GroupKeyDelete("g", 1, null, []), Ct);

        Assert.Equal(DeleteAckOutcome.Recorded, await gw.Deletes.RecordDeleteAckAsync("a", "g", 1, Ct));
        Assert.False((await gw.Deletes.GetDeleteReportAsync("g", 1, Ct))!.IsComplete);
        Assert.Equal(DeleteAckOutcome.Recorded, await gw.Deletes.RecordDeleteAckAsync("b", "g", 1, Ct));
        Assert.Equal(DeleteAckOutcome.Unknown, await gw.Deletes.RecordDeleteAckAsync("ghost", "g", 1, Ct));
        Assert.Equal(DeleteAckOutcome.Unknown, await gw.Deletes.RecordDeleteAckAsync("a", "g", 2, Ct));

        var report = await gw.Deletes.GetDeleteReportAsync("g", 1, Ct);
        Assert.True(report!.IsComplete);
        Assert.True(report.WholeGroup);
        Assert.Equal(["a", "b"], report.Entries.Select(e => e.PneId));
    }

    [Fact]
    public async Task HandleDelete_MembersLeave_OnlyThoseToldAndGroupKept()
    {
        await using var gw = await GatewayHarness.StartAsync();
        using var a = await gw.PairWithGkdkAsync("a");
        using var b = await gw.PairWithGkdkAsync("b");
        using var gk = GroupKey.Create("g", 1);
        await gw.Delivery.HandleNotificationAsync(gw.Notification(gk, "a", "b"), Ct);

        var result = await gw.Deletes.HandleDeleteAsync(new GroupKeyDelete("g", 1, "member left", ["b", "ghost"]), Ct);

        Assert.Equal(GroupKeyDeleteStatus.MembersRemoved, result.Status);
        Assert.Equal(["b"], result.AffectedPneIds);
        Assert.False(result.ClearRetainedBroadcast);
        Assert.NotNull(await gw.Delivery.GetLatestBroadcastAsync("g", Ct));
        Assert.Equal(["a"], (await gw.Delivery.GetDeliveryReportAsync("g", Ct))!.Entries.Select(e => e.PneId));
    }

    [Fact]
    public async Task HandleDelete_OlderEpochThanLatest_RefusedStale()
    {
        await using var gw = await GatewayHarness.StartAsync();
        using var a = await gw.PairWithGkdkAsync("a");
        using var gk = GroupKey.Create("g", 4);
        await gw.Delivery.HandleNotificationAsync(gw.Notification(gk, "a"), Ct);

        var result = await gw.Deletes.HandleDeleteAsync(new GroupKeyDelete("g", 3, null, []), Ct);

        Assert.Equal(GroupKeyDeleteStatus.Stale, result.Status);
        Assert.Empty(result.AffectedPneIds);
        Assert.NotNull(await gw.Delivery.GetLatestBroadcastAsync("g", Ct));
    }

    [Fact]
    public async Task HandleDelete_UnknownGroupOrInvalid_RefusedWithReason()
    {
        await using var gw = await GatewayHarness.StartAsync();

        Assert.Equal(GroupKeyDeleteStatus.UnknownGroup, (await gw.Deletes.HandleDeleteAsync(new GroupKeyDelete("never", 1, null, []), Ct)).Status);
        Assert.Equal(GroupKeyDeleteStatus.Invalid, (await gw.Deletes.HandleDeleteAsync(new GroupKeyDelete("g", 0, null, []), Ct)).Status);
        Assert.Equal(GroupKeyDeleteStatus.Invalid, (await gw.Deletes.HandleDeleteAsync(new GroupKeyDelete(string.Empty, 1, null, []), Ct)).Status);
    }
}

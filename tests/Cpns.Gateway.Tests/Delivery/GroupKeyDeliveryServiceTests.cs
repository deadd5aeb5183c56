using Cpns.Crypto;
using Cpns.Gateway.Delivery;
using Cpns.Gateway.Tests.TestSupport;
using System.Security.Cryptography;

namespace Cpns.Gateway.Tests.Delivery;

public sealed class GroupKeyDeliveryServiceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task HandleNotification_MembersAndNonMembers_OnlyMembersDecrypt()
    {
        await using var gw = await GatewayHarness.StartAsync();
        using var a = await gw.PairWithGkdkAsync("a");
        using var b = await gw.PairWithGkdkAsync("b");
        using var c = await gw.PairWithGkdkAsync("c");
        using var d = await gw.PairWithGkdkAsync("d");
        using var gk = GroupKey.Create("game", 1);

        var result = await gw.Delivery.HandleNotificationAsync(gw.Notification(gk, "a", "c"), Ct);

        Assert.Equal(GroupKeyNotificationStatus.Delivered, result.Status);
        Assert.True(result.Accepted);
        Assert.Equal(["a", "c"], result.ExpectedPneIds);
        Assert.Empty(result.ExcludedPnes);
        var broadcast = Assert.IsType<GroupKeyBroadcast>(result.Broadcast);
        Assert.Equal((GatewayHarness.PnId, "game", 1ul), (broadcast.PnId, broadcast.GroupId, broadcast.Epoch));
        Assert.Equal(BroadcastDecryptStatus.Success, a.TryDecrypt(broadcast, out var ka));
        Assert.Equal(BroadcastDecryptStatus.Success, c.TryDecrypt(broadcast, out var kc));
        Assert.True(ka!.KeyEquals(gk) && kc!.KeyEquals(gk));
        Assert.Equal(BroadcastDecryptStatus.NotARecipient, b.TryDecrypt(broadcast, out _));
        Assert.Equal(BroadcastDecryptStatus.NotARecipient, d.TryDecrypt(broadcast, out _));
    }

    [Fact]
    public async Task HandleNotification_RemovedPneWithOldGkdk_CannotOpenLaterBroadcasts()
    {
        await using var gw = await GatewayHarness.StartAsync();
        using var a = await gw.PairWithGkdkAsync("a");
        using var evil = await gw.PairWithGkdkAsync("evil");
        using var gk1 = GroupKey.Create("family", 1);
        var first = await gw.Delivery.HandleNotificationAsync(gw.Notification(gk1, "a", "evil"), Ct);
        Assert.Equal(BroadcastDecryptStatus.Success, evil.TryDecrypt(first.Broadcast!, out _));

        var removal = await gw.Registry.RemovePneAsync("evil", Ct);
        // The server rotates, and (wrongly or not) still names the removed PNE.
        using var gk2 = GroupKey.Create("family", 2);
        var second = await gw.Delivery.HandleNotificationAsync(gw.Notification(gk2, "a", "evil"), Ct);

        Assert.Equal(["family"], removal.AffectedGroupIds);
        Assert.Equal(["a"], second.ExpectedPneIds);
        Assert.Equal([new ExcludedPne("evil", MemberExclusionReason.Removed)], second.ExcludedPnes);
        Assert.Equal(BroadcastDecryptStatus.NotARecipient, evil.TryDecrypt(second.Broadcast!, out _));
        Assert.Equal(BroadcastDecryptStatus.Success, a.TryDecrypt(second.Broadcast!, out var k));
        Assert.True(k!.KeyEquals(gk2));
    }

    [Fact]
    public async Task HandleNotification_OlderEpoch_RefusedStaleAndLatestKept()
    {
        await using var gw = await GatewayHarness.StartAsync();
        using var a = await gw.PairWithGkdkAsync("a");
        using var gk5 = GroupKey.Create("g", 5);
        using var gk4 = GroupKey.Create("g", 4);
        await gw.Delivery.HandleNotificationAsync(gw.Notification(gk5, "a"), Ct);

        var stale = await gw.Delivery.HandleNotificationAsync(gw.Notification(gk4, "a"), Ct);

        Assert.Equal(GroupKeyNotificationStatus.Stale, stale.Status);
        Assert.False(stale.Accepted);
        Assert.Null(stale.Broadcast);
        var latest = await gw.Delivery.GetLatestBroadcastAsync("g", Ct);
        Assert.Equal(5ul, latest!.Epoch);
    }

    [Fact]
    public async Task HandleNotification_SameEpochAgain_DuplicateAcknowledgedWithoutNewBroadcast()
    {
        await using var gw = await GatewayHarness.StartAsync();
        using var a = await gw.PairWithGkdkAsync("a");
        using var gk = GroupKey.Create("g", 1);
        var first = await gw.Delivery.HandleNotificationAsync(gw.Notification(gk, "a"), Ct);
        await gw.Delivery.RecordPneResponseAsync("a", "g", 1, BroadcastDecryptStatus.Success, Ct);

        var again = await gw.Delivery.HandleNotificationAsync(gw.Notification(gk, "a"), Ct);

        Assert.Equal(GroupKeyNotificationStatus.Duplicate, again.Status);
        Assert.True(again.Accepted);
        // The stored broadcast, not a new one (same nonce), and the member's answer is kept.
        Assert.Equal(first.Broadcast!.Nonce.ToArray(), again.Broadcast!.Nonce.ToArray());
        Assert.Equal(first.Broadcast.Header.ToArray(), again.Broadcast.Header.ToArray());
        Assert.Empty(await gw.Delivery.PnesMissingAsync("g", Ct));
    }

    [Fact]
    public async Task HandleNotification_SameEpochNewMember_MembersChangedAndJoinerDecrypts()
    {
        await using var gw = await GatewayHarness.StartAsync();
        using var a = await gw.PairWithGkdkAsync("a");
        using var b = await gw.PairWithGkdkAsync("b");
        using var gk = GroupKey.Create("g", 1);
        await gw.Delivery.HandleNotificationAsync(gw.Notification(gk, "a"), Ct);
        await gw.Delivery.RecordPneResponseAsync("a", "g", 1, BroadcastDecryptStatus.Success, Ct);

        var joined = await gw.Delivery.HandleNotificationAsync(gw.Notification(gk, "a", "b"), Ct);

        Assert.Equal(GroupKeyNotificationStatus.MembersChanged, joined.Status);
        Assert.Equal(BroadcastDecryptStatus.Success, b.TryDecrypt(joined.Broadcast!, out var kb));
        Assert.True(kb!.KeyEquals(gk));
        Assert.Equal(["b"], await gw.Delivery.PnesMissingAsync("g", Ct));
    }

    [Fact]
    public async Task HandleNotification_SameEpochOlderListOvertakenByNewer_JoinerKeptInTheCover()
    {
        await using var gw = await GatewayHarness.StartAsync();
        using var a = await gw.PairWithGkdkAsync("a");
        using var b = await gw.PairWithGkdkAsync("b");
        using var gk = GroupKey.Create("g", 1);
        var newer = await gw.Delivery.HandleNotificationAsync(gw.Notification(gk, "a", "b"), Ct);

        // The notification sent before b joined arrives last.
        var older = await gw.Delivery.HandleNotificationAsync(gw.Notification(gk, "a"), Ct);

        Assert.Equal(GroupKeyNotificationStatus.Duplicate, older.Status);
        Assert.Equal(["a", "b"], older.ExpectedPneIds);
        var latest = await gw.Delivery.GetLatestBroadcastAsync("g", Ct);
        Assert.Equal(newer.Broadcast!.Nonce.ToArray(), latest!.Nonce.ToArray());
        Assert.Equal(BroadcastDecryptStatus.Success, b.TryDecrypt(latest, out var kb));
        Assert.True(kb!.KeyEquals(gk));
        Assert.Equal(["a", "b"], await gw.Delivery.PnesMissingAsync("g", Ct));
    }

    [Fact]
    public async Task RecordPneResponseAndReport_LastPendingMemberAnswers_ReportOnlyThenWithEveryMember()
    {
        await using var gw = await GatewayHarness.StartAsync();
        using var a = await gw.PairWithGkdkAsync("a");
        using var b = await gw.PairWithGkdkAsync("b");
        using var gk = GroupKey.Create("g", 4);
        await gw.Delivery.HandleNotificationAsync(gw.Notification(gk, "a", "b"), Ct);

        var first = await gw.Delivery.RecordPneResponseAndReportAsync("b", "g", 4, BroadcastDecryptStatus.Success, Ct);
        var stale = await gw.Delivery.RecordPneResponseAndReportAsync("a", "g", 3, BroadcastDecryptStatus.Success, Ct);
        var last = await gw.Delivery.RecordPneResponseAndReportAsync("a", "g", 4, BroadcastDecryptStatus.AuthenticationFailed, Ct);

        Assert.Equal((PneResponseOutcome.Recorded, null), first);
        Assert.Equal((PneResponseOutcome.EpochMismatch, null), stale);
        Assert.Equal(PneResponseOutcome.Recorded, last.Outcome);
        var report = Assert.IsType<GroupKeyDeliveryReport>(last.Complete);
        Assert.Equal(("g", 4ul), (report.GroupId, report.Epoch));
        Assert.Equal([("a", PneDeliveryState.Failed), ("b", PneDeliveryState.Received)], report.Entries.Select(e => (e.PneId, e.State)));
        Assert.All(report.Entries, e => Assert.NotNull(e.AnsweredAt));
        Assert.Equal(report.Entries, (await gw.Delivery.GetDeliveryReportAsync("g", Ct))!.Entries);
    }

    [Fact]
    public async Task RecordPneResponseAndReport_FourMembersAnyOrderAndARepeatedAnswer_ReportOnceAtTheLastPending()
    {
        await using var gw = await GatewayHarness.StartAsync();
        var devices = new List<IDisposable>();
        foreach (var id in new[] { "a", "b", "c", "d" })
        {
            devices.Add(await gw.PairWithGkdkAsync(id));
        }

        using var gk = GroupKey.Create("g", 2);
        await gw.Delivery.HandleNotificationAsync(gw.Notification(gk, "a", "b", "c", "d"), Ct);

        // The answering member sorts first, last and between the pending ones; a repeated answer is not a completion.
        var reports = new List<GroupKeyDeliveryReport?>();
        foreach (var id in new[] { "c", "c", "a", "d" })
        {
            var (outcome, complete) = await gw.Delivery.RecordPneResponseAndReportAsync(id, "g", 2, BroadcastDecryptStatus.Success, Ct);
            Assert.Equal(PneResponseOutcome.Recorded, outcome);
            reports.Add(complete);
        }

        var last = await gw.Delivery.RecordPneResponseAndReportAsync("b", "g", 2, BroadcastDecryptStatus.NotARecipient, Ct);

        Assert.All(reports, Assert.Null);
        var report = Assert.IsType<GroupKeyDeliveryReport>(last.Complete);
        Assert.Equal(
            [("a", PneDeliveryState.Received), ("b", PneDeliveryState.NotARecipient), ("c", PneDeliveryState.Received), ("d", PneDeliveryState.Received)],
            report.Entries.Select(e => (e.PneId, e.State)));
        devices.ForEach(d => d.Dispose());
    }

    [Fact]
    public async Task RecordPneResponseAndReport_ManyAnswersWhileTheStoreIsBusy_OneBatchEachOutcomeAndOneReport()
    {
        await using var gw = await GatewayHarness.StartAsync();
        var ids = Enumerable.Range(0, 24).Select(i => $"m{i:D2}").ToArray();
        var devices = new List<IDisposable>();
        foreach (var id in ids.Append("outsider"))
        {
            devices.Add(await gw.PairWithGkdkAsync(id));
        }

        using var gk = GroupKey.Create("g", 3);
        await gw.Delivery.HandleNotificationAsync(gw.Notification(gk, ids), Ct);

        // Hold the store so that every answer queues behind one operation and is written in the same batch.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var busy = gw.Store.RunAsync(async _ => { await release.Task; return 0; }, Ct);
        var answers = ids.Select(id => gw.Delivery.RecordPneResponseAndReportAsync(id, "g", 3, BroadcastDecryptStatus.Success, Ct)).ToList();
        var outsider = gw.Delivery.RecordPneResponseAndReportAsync("outsider", "g", 3, BroadcastDecryptStatus.Success, Ct);
        var ghost = gw.Delivery.RecordPneResponseAndReportAsync("ghost", "g", 3, BroadcastDecryptStatus.Success, Ct);
        var stale = gw.Delivery.RecordPneResponseAndReportAsync(ids[0], "g", 2, BroadcastDecryptStatus.Success, Ct);
        var unknownGroup = gw.Delivery.RecordPneResponseAndReportAsync(ids[1], "other", 3, BroadcastDecryptStatus.Success, Ct);
        Assert.DoesNotContain(answers, a => a.IsCompleted);
        release.SetResult();
        await busy;
        var results = await Task.WhenAll(answers);

        Assert.All(results, r => Assert.Equal(PneResponseOutcome.Recorded, r.Outcome));
        var report = Assert.Single(results, r => r.Complete is not null).Complete!;
        Assert.Equal(ids.Select(id => (id, PneDeliveryState.Received)), report.Entries.Select(e => (e.PneId, e.State)));
        Assert.Equal((PneResponseOutcome.NotAMember, (GroupKeyDeliveryReport?)null), await outsider);
        Assert.Equal((PneResponseOutcome.UnknownPne, (GroupKeyDeliveryReport?)null), await ghost);
        Assert.Equal((PneResponseOutcome.EpochMismatch, (GroupKeyDeliveryReport?)null), await stale);
        Assert.Equal((PneResponseOutcome.UnknownGroup, (GroupKeyDeliveryReport?)null), await unknownGroup);
        Assert.Empty(await gw.Delivery.PnesMissingAsync("g", Ct));
        devices.ForEach(d => d.Dispose());
    }

    [Fact]
    public async Task RecordPneResponse_StoreClosed_TheCallerGetsTheFailure()
    {
        await using var gw = await GatewayHarness.StartAsync();
        using var a = await gw.PairWithGkdkAsync("a");
        using var gk = GroupKey.Create("g", 1);
        await gw.Delivery.HandleNotificationAsync(gw.Notification(gk, "a"), Ct);

        gw.Store.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => gw.Delivery.RecordPneResponseAsync("a", "g", 1, BroadcastDecryptStatus.Success, Ct));
    }

    [Fact]
    public async Task HandleNotification_SameEpochDifferentKey_RefusedConflict()
    {
        await using var gw = await GatewayHarness.StartAsync();
        using var a = await gw.PairWithGkdkAsync("a");
        using var gk = GroupKey.Create("g", 1);
        using var forged = GroupKey.Create("g", 1);
        var first = await gw.Delivery.HandleNotificationAsync(gw.Notification(gk, "a"), Ct);

        var conflict = await gw.Delivery.HandleNotificationAsync(gw.Notification(forged, "a"), Ct);

        Assert.Equal(GroupKeyNotificationStatus.Conflict, conflict.Status);
        var latest = await gw.Delivery.GetLatestBroadcastAsync("g", Ct);
        Assert.Equal(first.Broadcast!.Nonce.ToArray(), latest!.Nonce.ToArray());
    }

    [Fact]
    public async Task HandleNotification_WrappedUnderAnotherGatewayKey_RefusedUnwrapFailed()
    {
        await using var gw = await GatewayHarness.StartAsync();
        using var a = await gw.PairWithGkdkAsync("a");
        using var gk = GroupKey.Create("g", 1);

        var result = await gw.Delivery.HandleNotificationAsync(GatewayHarness.Notification(gk, RandomNumberGenerator.GetBytes(32), GatewayHarness.GatewayId, "a"), Ct);

        Assert.Equal(GroupKeyNotificationStatus.UnwrapFailed, result.Status);
        Assert.Null(result.Broadcast);
        Assert.Null(await gw.Delivery.GetLatestBroadcastAsync("g", Ct));
    }

    [Fact]
    public async Task HandleNotification_WrappedForAnotherGatewayGroupOrEpoch_RefusedUnwrapFailed()
    {
        await using var gw = await GatewayHarness.StartAsync();
        using var a = await gw.PairWithGkdkAsync("a");
        using var gk = GroupKey.Create("g", 2);
        using var otherGroup = GroupKey.Import("h", 2, new byte[32]);
        var forOtherGateway = GatewayHarness.Notification(gk, gw.GatewayKeyBytes, "gw-other", "a");
        var proper = gw.Notification(gk, "a");

        var results = new[]
        {
            await gw.Delivery.HandleNotificationAsync(forOtherGateway, Ct),
            await gw.Delivery.HandleNotificationAsync(proper with { GroupId = "h" }, Ct),
            await gw.Delivery.HandleNotificationAsync(proper with { Epoch = 3 }, Ct),
        };

        Assert.All(results, r => Assert.Equal(GroupKeyNotificationStatus.UnwrapFailed, r.Status));
        Assert.Equal(GroupKeyNotificationStatus.Delivered, (await gw.Delivery.HandleNotificationAsync(proper, Ct)).Status);
    }

    [Fact]
    public async Task HandleNotification_MalformedOrNotEnrolled_RefusedWithReason()
    {
        await using var gw = await GatewayHarness.StartAsync();
        using var gk = GroupKey.Create("g", 1);
        var proper = gw.Notification(gk);

        Assert.Equal(GroupKeyNotificationStatus.Invalid, (await gw.Delivery.HandleNotificationAsync(proper with { Epoch = 0 }, Ct)).Status);
        Assert.Equal(GroupKeyNotificationStatus.Invalid, (await gw.Delivery.HandleNotificationAsync(proper with { Epoch = ulong.MaxValue }, Ct)).Status);
        Assert.Equal(GroupKeyNotificationStatus.Invalid, (await gw.Delivery.HandleNotificationAsync(proper with { GroupId = string.Empty }, Ct)).Status);
        Assert.Equal(GroupKeyNotificationStatus.Invalid, (await gw.Delivery.HandleNotificationAsync(proper with { WrappedGroupKey = new byte[10] }, Ct)).Status);

        await using var fresh = await GatewayHarness.StartAsync(enroll: false);
        Assert.Equal(GroupKeyNotificationStatus.NotEnrolled, (await fresh.Delivery.HandleNotificationAsync(proper, Ct)).Status);
    }

    [Fact]
    public async Task HandleNotification_UnknownAndUnassignedMembers_ExcludedWithReason()
    {
        await using var gw = await GatewayHarness.StartAsync();
        using var a = await gw.PairWithGkdkAsync("a");
        using var paired = await gw.PairAsync("no-gkdk-yet");
        using var gk = GroupKey.Create("g", 1);

        var result = await gw.Delivery.HandleNotificationAsync(gw.Notification(gk, "a", "ghost", "no-gkdk-yet", "a"), Ct);

        Assert.Equal(GroupKeyNotificationStatus.Delivered, result.Status);
        Assert.Equal(["a"], result.ExpectedPneIds);
        Assert.Equal(
            [new ExcludedPne("ghost", MemberExclusionReason.UnknownPne), new ExcludedPne("no-gkdk-yet", MemberExclusionReason.NoGkdk)],
            result.ExcludedPnes);
    }

    [Fact]
    public async Task HandleNotification_NoKeyMaterialYet_StoredWithoutBroadcast()
    {
        await using var gw = await GatewayHarness.StartAsync();
        using var gk = GroupKey.Create("g", 1);

        var result = await gw.Delivery.HandleNotificationAsync(gw.Notification(gk), Ct);

        Assert.Equal(GroupKeyNotificationStatus.Delivered, result.Status);
        Assert.Null(result.Broadcast);
        Assert.Equal(1ul, (await gw.Delivery.GetDeliveryReportAsync("g", Ct))!.Epoch);
    }

    [Fact]
    public async Task RecordPneResponse_Answers_ReportAndMissingFollow()
    {
        await using var gw = await GatewayHarness.StartAsync();
        using var a = await gw.PairWithGkdkAsync("a");
        using var b = await gw.PairWithGkdkAsync("b");
        using var c = await gw.PairWithGkdkAsync("c");
        using var d = await gw.PairWithGkdkAsync("d");
        using var gk = GroupKey.Create("g", 1);
        await gw.Delivery.HandleNotificationAsync(gw.Notification(gk, "a", "b", "c"), Ct);
        Assert.Equal(["a", "b", "c"], await gw.Delivery.PnesMissingAsync("g", Ct));

        Assert.Equal(PneResponseOutcome.Recorded, await gw.Delivery.RecordPneResponseAsync("a", "g", 1, BroadcastDecryptStatus.Success, Ct));
        Assert.Equal(PneResponseOutcome.Recorded, await gw.Delivery.RecordPneResponseAsync("b", "g", 1, BroadcastDecryptStatus.AuthenticationFailed, Ct));
        Assert.Equal(PneResponseOutcome.EpochMismatch, await gw.Delivery.RecordPneResponseAsync("c", "g", 2, BroadcastDecryptStatus.Success, Ct));
        Assert.Equal(PneResponseOutcome.NotAMember, await gw.Delivery.RecordPneResponseAsync("d", "g", 1, BroadcastDecryptStatus.Success, Ct));
        Assert.Equal(PneResponseOutcome.UnknownPne, await gw.Delivery.RecordPneResponseAsync("ghost", "g", 1, BroadcastDecryptStatus.Success, Ct));
        Assert.Equal(PneResponseOutcome.UnknownGroup, await gw.Delivery.RecordPneResponseAsync("a", "nope", 1, BroadcastDecryptStatus.Success, Ct));

        var report = await gw.Delivery.GetDeliveryReportAsync("g", Ct);
        Assert.Equal(
            [(PneDeliveryState.Received, true), (PneDeliveryState.Failed, true), (PneDeliveryState.Pending, false)],
            report!.Entries.Select(e => (e.State, e.AnsweredAt is not null)));
        Assert.False(report.IsComplete);
        Assert.Equal(["b", "c"], await gw.Delivery.PnesMissingAsync("g", Ct));
        var pending = Assert.Single(await gw.Delivery.PendingForPneAsync("c", Ct));
        Assert.Equal(("g", 1ul), (pending.GroupId, pending.Epoch));
        Assert.Equal(BroadcastDecryptStatus.Success, c.TryDecrypt(pending.Broadcast, out _));
        Assert.Empty(await gw.Delivery.PendingForPneAsync("a", Ct));
    }

    [Fact]
    public async Task HandleNotification_NewEpoch_ResetsAcknowledgements()
    {
        await using var gw = await GatewayHarness.StartAsync();
        using var a = await gw.PairWithGkdkAsync("a");
        using var gk1 = GroupKey.Create("g", 1);
        using var gk2 = GroupKey.Create("g", 2);
        await gw.Delivery.HandleNotificationAsync(gw.Notification(gk1, "a"), Ct);
        await gw.Delivery.RecordPneResponseAsync("a", "g", 1, BroadcastDecryptStatus.Success, Ct);

        await gw.Delivery.HandleNotificationAsync(gw.Notification(gk2, "a"), Ct);

        Assert.Equal(["a"], await gw.Delivery.PnesMissingAsync("g", Ct));
        Assert.Equal(PneResponseOutcome.EpochMismatch, await gw.Delivery.RecordPneResponseAsync("a", "g", 1, BroadcastDecryptStatus.Success, Ct));
    }

    [Fact]
    public async Task HandleNotification_NewEpochWithOneLeavingOneJoining_StayerPendingAgainLeaverNoLongerAMember()
    {
        await using var gw = await GatewayHarness.StartAsync();
        using var a = await gw.PairWithGkdkAsync("a");
        using var b = await gw.PairWithGkdkAsync("b");
        using var c = await gw.PairWithGkdkAsync("c");
        using var gk1 = GroupKey.Create("g", 1);
        using var gk2 = GroupKey.Create("g", 2);
        await gw.Delivery.HandleNotificationAsync(gw.Notification(gk1, "a", "b"), Ct);
        await gw.Delivery.RecordPneResponseAsync("a", "g", 1, BroadcastDecryptStatus.Success, Ct);
        await gw.Delivery.RecordPneResponseAsync("b", "g", 1, BroadcastDecryptStatus.Success, Ct);

        var result = await gw.Delivery.HandleNotificationAsync(gw.Notification(gk2, "a", "c"), Ct);

        Assert.Equal(GroupKeyNotificationStatus.Delivered, result.Status);
        Assert.Equal(["a", "c"], await gw.Delivery.PnesMissingAsync("g", Ct));
        Assert.Equal(PneResponseOutcome.NotAMember, await gw.Delivery.RecordPneResponseAsync("b", "g", 2, BroadcastDecryptStatus.Success, Ct));
        Assert.Equal(BroadcastDecryptStatus.NotARecipient, b.TryDecrypt(result.Broadcast!, out _));
        Assert.Equal(PneResponseOutcome.Recorded, await gw.Delivery.RecordPneResponseAsync("a", "g", 2, BroadcastDecryptStatus.Success, Ct));
        Assert.Equal(["c"], await gw.Delivery.PnesMissingAsync("g", Ct));
    }

    [Fact]
    public async Task HandleNotification_NewEpochBeforeEveryMemberAnswered_SupersededReportOfTheAnswersThenLateAnswersAlone()
    {
        await using var gw = await GatewayHarness.StartAsync();
        using var a = await gw.PairWithGkdkAsync("a");
        using var b = await gw.PairWithGkdkAsync("b");
        using var c = await gw.PairWithGkdkAsync("c");
        using var gk1 = GroupKey.Create("g", 1);
        using var gk2 = GroupKey.Create("g", 2);
        await gw.Delivery.HandleNotificationAsync(gw.Notification(gk1, "a", "b", "c"), Ct);
        await gw.Delivery.RecordPneResponseAsync("a", "g", 1, BroadcastDecryptStatus.Success, Ct);

        // Epoch 2 arrives while b and c still owe their answer for epoch 1; c leaves with it.
        var second = await gw.Delivery.HandleNotificationAsync(gw.Notification(gk2, "a", "b"), Ct);
        var lateB = await gw.Delivery.RecordPneResponseAndReportAsync("b", "g", 1, BroadcastDecryptStatus.Success, Ct);
        var repeatB = await gw.Delivery.RecordPneResponseAndReportAsync("b", "g", 1, BroadcastDecryptStatus.Success, Ct);
        var lateC = await gw.Delivery.RecordPneResponseAndReportAsync("c", "g", 1, BroadcastDecryptStatus.AuthenticationFailed, Ct);
        var lateA = await gw.Delivery.RecordPneResponseAndReportAsync("a", "g", 1, BroadcastDecryptStatus.Success, Ct);

        Assert.Equal(GroupKeyNotificationStatus.Delivered, second.Status);
        var superseded = Assert.IsType<GroupKeyDeliveryReport>(second.Superseded);
        Assert.Equal(("g", 1ul), (superseded.GroupId, superseded.Epoch));
        Assert.Equal([("a", PneDeliveryState.Received)], superseded.Entries.Select(e => (e.PneId, e.State)));
        Assert.Equal(PneResponseOutcome.Late, lateB.Outcome);
        Assert.Equal((1ul, "b", PneDeliveryState.Received), (lateB.Complete!.Epoch, Assert.Single(lateB.Complete.Entries).PneId, lateB.Complete.Entries[0].State));
        Assert.Equal((PneResponseOutcome.EpochMismatch, null), repeatB);
        Assert.Equal(PneResponseOutcome.Late, lateC.Outcome);
        Assert.Equal(("c", PneDeliveryState.Failed), (Assert.Single(lateC.Complete!.Entries).PneId, lateC.Complete.Entries[0].State));
        Assert.Equal((PneResponseOutcome.EpochMismatch, null), lateA);
        // Epoch 2 starts from nobody having answered, with the rows of the members that stayed reused.
        Assert.Equal(["a", "b"], await gw.Delivery.PnesMissingAsync("g", Ct));
        var current = await gw.Delivery.GetDeliveryReportAsync("g", Ct);
        Assert.Equal(2ul, current!.Epoch);
        Assert.All(current.Entries, e => Assert.Equal((PneDeliveryState.Pending, (DateTimeOffset?)null), (e.State, e.AnsweredAt)));
    }

    [Fact]
    public async Task HandleNotification_NewEpochAfterCompleteEpoch_NoSupersededReportAndNoLateAnswer()
    {
        await using var gw = await GatewayHarness.StartAsync();
        using var a = await gw.PairWithGkdkAsync("a");
        using var gk1 = GroupKey.Create("g", 1);
        using var gk2 = GroupKey.Create("g", 2);
        using var gk3 = GroupKey.Create("g", 3);
        await gw.Delivery.HandleNotificationAsync(gw.Notification(gk1, "a"), Ct);
        var complete = await gw.Delivery.RecordPneResponseAndReportAsync("a", "g", 1, BroadcastDecryptStatus.Success, Ct);

        var second = await gw.Delivery.HandleNotificationAsync(gw.Notification(gk2, "a"), Ct);
        // Nobody answered epoch 2 when epoch 3 replaced it: no answer to report, but a's late one is still due.
        var third = await gw.Delivery.HandleNotificationAsync(gw.Notification(gk3, "a"), Ct);
        var lateForOne = await gw.Delivery.RecordPneResponseAndReportAsync("a", "g", 1, BroadcastDecryptStatus.Success, Ct);
        var lateForTwo = await gw.Delivery.RecordPneResponseAndReportAsync("a", "g", 2, BroadcastDecryptStatus.Success, Ct);

        Assert.NotNull(complete.Complete);
        Assert.Null(second.Superseded);
        Assert.Null(third.Superseded);
        Assert.Equal((PneResponseOutcome.EpochMismatch, null), lateForOne);
        Assert.Equal(PneResponseOutcome.Late, lateForTwo.Outcome);
        Assert.Equal((2ul, "a"), (lateForTwo.Complete!.Epoch, Assert.Single(lateForTwo.Complete.Entries).PneId));
    }

    [Fact]
    public async Task HandleNotification_SeveralEpochsBeforeAnyAnswer_EachSupersededEpochsLateAnswersStillReported()
    {
        await using var gw = await GatewayHarness.StartAsync();
        using var a = await gw.PairWithGkdkAsync("a");
        using var b = await gw.PairWithGkdkAsync("b");
        var keys = Enumerable.Range(1, 4).Select(e => GroupKey.Create("g", (ulong)e)).ToList();

        // The gateway is three epochs behind on its members' answers when they come.
        foreach (var gk in keys)
        {
            await gw.Delivery.HandleNotificationAsync(gw.Notification(gk, "a", "b"), Ct);
        }

        var late = new List<(PneResponseOutcome Outcome, GroupKeyDeliveryReport? Complete)>();
        foreach (var epoch in new ulong[] { 1, 2, 3 })
        {
            late.Add(await gw.Delivery.RecordPneResponseAndReportAsync("a", "g", epoch, BroadcastDecryptStatus.Success, Ct));
            late.Add(await gw.Delivery.RecordPneResponseAndReportAsync("b", "g", epoch, BroadcastDecryptStatus.Success, Ct));
        }

        Assert.All(late, r => Assert.Equal(PneResponseOutcome.Late, r.Outcome));
        Assert.Equal(
            [(1ul, "a"), (1ul, "b"), (2ul, "a"), (2ul, "b"), (3ul, "a"), (3ul, "b")],
            late.Select(r => (r.Complete!.Epoch, Assert.Single(r.Complete.Entries).PneId)));
        Assert.Equal((PneResponseOutcome.EpochMismatch, null), await gw.Delivery.RecordPneResponseAndReportAsync("a", "g", 2, BroadcastDecryptStatus.Success, Ct));
        keys.ForEach(k => k.Dispose());
    }

    [Fact]
    public async Task HandleNotification_MoreSupersededEpochsThanKept_OldestForgottenNewerStillReported()
    {
        await using var gw = await GatewayHarness.StartAsync();
        using var a = await gw.PairWithGkdkAsync("a");
        var last = GroupKeyDeliveryService.SupersededEpochsKept + 2;
        var keys = Enumerable.Range(1, last + 1).Select(e => GroupKey.Create("g", (ulong)e)).ToList();
        foreach (var gk in keys)
        {
            await gw.Delivery.HandleNotificationAsync(gw.Notification(gk, "a"), Ct);
        }

        // Epochs 1 .. last are superseded, unanswered; only the newest SupersededEpochsKept of them are remembered.
        var outcomes = new List<PneResponseOutcome>();
        for (var epoch = 1; epoch <= last; epoch++)
        {
            outcomes.Add((await gw.Delivery.RecordPneResponseAndReportAsync("a", "g", (ulong)epoch, BroadcastDecryptStatus.Success, Ct)).Outcome);
        }

        Assert.Equal(
            [PneResponseOutcome.EpochMismatch, PneResponseOutcome.EpochMismatch, .. Enumerable.Repeat(PneResponseOutcome.Late, GroupKeyDeliveryService.SupersededEpochsKept)],
            outcomes);
        keys.ForEach(k => k.Dispose());
    }
}

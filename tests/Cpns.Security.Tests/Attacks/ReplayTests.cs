using Cpns.Security.Tests.Support;
using Cpns.Transport;

namespace Cpns.Security.Tests.Attacks;

/// <summary>
/// Replay of old notifications and rollback to old epochs, at each hop: the server's notification replayed on the
/// gateway's downlink, an old broadcast redelivered inside the PN, a group message replayed through the relay.
/// Each is refused (the state does not change), logged with the reason and counted on the part's meter.
/// </summary>
public sealed class ReplayTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Notification_OldAndCurrentEpochReplayedOnGatewayDownlink_RefusedStaleStateKeptLoggedCounted()
    {
        using var metrics = new MetricCapture(Meters.All);
        await using var bed = await SecurityBed.StartAsync();
        var a = await bed.GatewayAsync("gw-a", "a1");
        var group = await bed.CreateGroupAsync((a, "a1"));
        Assert.Equal(2, await bed.RotateAsync(group));
        await Eventually.TrueAsync(async () => await a.EpochAsync("a1", group) == 2, "a1 to hold epoch 2");
        var broadcasts = a.Broadcasts(group).Count;

        // The epoch-1 notification byte for byte as the server made it (its GK, the per-gateway wrap), published
        // on the gateway's downlink by the server's own broker connection.
        await bed.PublishToGatewayAsync(a.GatewayId, await Forge.NotificationAsync(bed, a, group, 1, ["a1"]));
        await Eventually.TrueAsync(() => metrics.Sum("cpns.gateway.gk.notifications", ("status", "Stale")) == 1, "the gateway to count a Stale notification");
        Assert.True(bed.Logs.Has(4003, $"group {group} epoch 1 refused: Stale"), "the refusal logged with its reason");

        // The answer to the replay correlates with nothing the server sent: the server refuses it too.
        await Eventually.TrueAsync(() => metrics.Sum("cpns.server.uplink.refused", ("reason", "unknown_correlation")) >= 1, "the server to refuse the answer to the replay");

        // The current epoch replayed: acknowledged as a duplicate, nothing broadcast again.
        await bed.PublishToGatewayAsync(a.GatewayId, await Forge.NotificationAsync(bed, a, group, 2, ["a1"]));
        await Eventually.TrueAsync(() => metrics.Sum("cpns.gateway.gk.notifications", ("status", "Duplicate")) == 1, "the gateway to count a Duplicate");

        // Refused: the gateway and the device stay at epoch 2, no broadcast went out.
        Assert.Equal(2UL, (await a.Host.GetGroupEpochsAsync(Ct)).Single(g => g.GroupId == group).Epoch);
        Assert.Equal(2UL, await a.EpochAsync("a1", group));
        Assert.Equal(broadcasts, a.Broadcasts(group).Count);
    }

    [Fact]
    public async Task Broadcast_OldEpochRedeliveredInPn_DeviceRefusesRollbackLoggedCounted()
    {
        using var metrics = new MetricCapture(Meters.All);
        await using var bed = await SecurityBed.StartAsync();
        var a = await bed.GatewayAsync("gw-a", "a1");
        var group = await bed.CreateGroupAsync((a, "a1"));
        await bed.RotateAsync(group);
        await Eventually.TrueAsync(async () => await a.EpochAsync("a1", group) == 2, "a1 to hold epoch 2");

        // What a compromised or restored PN broker would do: deliver the captured epoch-1 broadcast again.
        var old = Forge.CapturedBroadcast(a, group, 1);
        await a.Host.PublishRawAsync(Topics.PnGroup(a.PnId, group), old, retain: false, Ct);

        await Eventually.TrueAsync(
            () => metrics.Sum("cpns.device.input.refused", ("reason", "GroupKeyNotStored"), ("status", "Rollback")) == 1,
            "the device to count the rollback");
        Assert.True(bed.Logs.Has(7002, "GroupKeyNotStored (Rollback at epoch"), "the refusal logged with its reason");
        Assert.Equal(2UL, await a.EpochAsync("a1", group));
        await Eventually.TrueAsync(() => a.Handled.Any(h => h is { PneId: "a1", Epoch: 1, Status: Device.Groups.GroupKeyReceiveStatus.Rollback }), "a1 to answer the old broadcast as a rollback");
    }

    [Fact]
    public async Task GroupMessage_ReplayedThroughRelay_DeviceRefusesReplayLoggedCounted()
    {
        using var metrics = new MetricCapture(Meters.All);
        await using var bed = await SecurityBed.StartAsync();
        var a = await bed.GatewayAsync("gw-a", "a1", "a2");
        var group = await bed.CreateGroupAsync((a, "a1"), (a, "a2"));
        await Eventually.TrueAsync(async () => await a.EpochAsync("a2", group) >= 1 && await a.EpochAsync("a1", group) >= 1, "both members hold the key");

        using var wait = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        wait.CancelAfter(TimeSpan.FromSeconds(60));
        await using var reader = a.Devices["a2"].ReadMessagesAsync(wait.Token).GetAsyncEnumerator(wait.Token);
        await a.Devices["a1"].SendAsync(group, "hello"u8.ToArray(), Ct);
        Assert.True(await reader.MoveNextAsync());
        Assert.Equal("hello"u8.ToArray(), reader.Current.Payload.ToArray());

        // The relayed message, captured on the PN and relayed again (as a malicious gateway relaying through the server would).
        var captured = a.Wire.First(w => !w.Inbound && w.Topic == Topics.PnMessages(a.PnId, group)).Payload;
        Assert.True(await a.Host.DeliverRelayedGroupMessageAsync(group, captured, Ct));

        await Eventually.TrueAsync(
            () => metrics.Sum("cpns.device.input.refused", ("reason", "GroupMessageRefused"), ("status", "Replay")) == 1,
            "a2 to count the replay");
        Assert.True(bed.Logs.Has(7002, "GroupMessageRefused (Replay)"), "the refusal logged with its reason");

        // Not delivered: the next message a2 reads is the next one a1 sends, not the replay.
        await a.Devices["a1"].SendAsync(group, "next"u8.ToArray(), Ct);
        Assert.True(await reader.MoveNextAsync());
        Assert.Equal("next"u8.ToArray(), reader.Current.Payload.ToArray());
    }
}

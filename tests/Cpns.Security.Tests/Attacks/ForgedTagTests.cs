using Cpns.Protocol;
using Cpns.Protocol.V1;
using Cpns.Security.Tests.Support;
using Cpns.Transport;
using Google.Protobuf;

namespace Cpns.Security.Tests.Attacks;

/// <summary>
/// Forged AEAD tags at each layer of end-to-end protection: the GK wrapped under the per-gateway key, the GK sealed
/// under the GKEK in the PN broadcast, and a group message under the group key. Each is refused, logged and counted.
/// </summary>
public sealed class ForgedTagTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Notification_ForgedWrapTag_RefusedUnwrapFailedStateKeptLoggedCounted()
    {
        using var metrics = new MetricCapture(Meters.All);
        await using var bed = await SecurityBed.StartAsync();
        var a = await bed.GatewayAsync("gw-a", "a1");
        var group = await bed.CreateGroupAsync((a, "a1"));
        var broadcasts = a.Broadcasts(group).Count;

        // A new epoch wrapped under the real per-gateway key, its GCM tag flipped.
        await bed.PublishToGatewayAsync(a.GatewayId, await Forge.NotificationAsync(bed, a, group, 2, ["a1"], randomKey: true, flipTag: true));

        await Eventually.TrueAsync(() => metrics.Sum("cpns.gateway.gk.notifications", ("status", "UnwrapFailed")) == 1, "the gateway to count UnwrapFailed");
        Assert.True(bed.Logs.Has(4003, $"group {group} epoch 2 refused: UnwrapFailed"), "the refusal logged with its reason");
        Assert.Equal(1UL, (await a.Host.GetGroupEpochsAsync(Ct)).Single(g => g.GroupId == group).Epoch);
        Assert.Equal(1UL, await a.EpochAsync("a1", group));
        Assert.Equal(broadcasts, a.Broadcasts(group).Count);
    }

    [Fact]
    public async Task Broadcast_ForgedSealTag_DeviceRefusesAuthenticationFailedLoggedCounted()
    {
        using var metrics = new MetricCapture(Meters.All);
        await using var bed = await SecurityBed.StartAsync();
        var a = await bed.GatewayAsync("gw-a", "a1");
        var group = await bed.CreateGroupAsync((a, "a1"));

        // The real epoch-1 broadcast claiming epoch 2, with its sealed key's tag flipped.
        var envelope = EnvelopeCodec.Decode(Forge.CapturedBroadcast(a, group, 1));
        var forged = envelope.GroupKeyBroadcast.Clone();
        forged.Epoch = 2;
        var sealedKey = forged.SealedGroupKey.ToByteArray();
        sealedKey[^1] ^= 0x01;
        forged.SealedGroupKey = ByteString.CopyFrom(sealedKey);
        await a.Host.PublishRawAsync(Topics.PnGroup(a.PnId, group), EnvelopeCodec.Encode(EnvelopeCodec.CreateEnvelope(forged, a.GatewayId)), retain: false, Ct);

        await Eventually.TrueAsync(
            () => metrics.Sum("cpns.device.input.refused", ("reason", "GroupKeyNotStored"), ("status", "AuthenticationFailed")) == 1,
            "the device to count the forged broadcast");
        Assert.True(bed.Logs.Has(7002, "GroupKeyNotStored (AuthenticationFailed at epoch"), "the refusal logged with its reason");
        Assert.Equal(1UL, await a.EpochAsync("a1", group));
    }

    [Fact]
    public async Task GroupMessage_ForgedTag_DeviceRefusesAuthenticationFailedLoggedCounted()
    {
        using var metrics = new MetricCapture(Meters.All);
        await using var bed = await SecurityBed.StartAsync();
        var a = await bed.GatewayAsync("gw-a", "a1", "a2");
        var group = await bed.CreateGroupAsync((a, "a1"), (a, "a2"));
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        wait.CancelAfter(TimeSpan.FromSeconds(60));
        await using var reader = a.Devices["a2"].ReadMessagesAsync(wait.Token).GetAsyncEnumerator(wait.Token);
        await a.Devices["a1"].SendAsync(group, "hello"u8.ToArray(), Ct);
        Assert.True(await reader.MoveNextAsync());
        await Eventually.TrueAsync(() => a.Wire.Any(w => !w.Inbound && w.Topic == Topics.PnMessages(a.PnId, group)), "the message relayed in the PN");

        // A fresh counter (so that the replay window does not answer first) and a flipped tag.
        var message = GroupMessage.Parser.ParseFrom(a.Wire.First(w => !w.Inbound && w.Topic == Topics.PnMessages(a.PnId, group)).Payload);
        message.Counter += 1000;
        var ciphertext = message.Ciphertext.ToByteArray();
        ciphertext[^1] ^= 0x01;
        message.Ciphertext = ByteString.CopyFrom(ciphertext);
        Assert.True(await a.Host.DeliverRelayedGroupMessageAsync(group, message.ToByteArray(), Ct));

        await Eventually.TrueAsync(
            () => metrics.Sum("cpns.device.input.refused", ("reason", "GroupMessageRefused"), ("status", "AuthenticationFailed")) >= 1,
            "a2 to count the forged message");
        Assert.True(bed.Logs.Has(7002, "GroupMessageRefused (AuthenticationFailed)"), "the refusal logged with its reason");

        // Not delivered: the next message a2 reads is the next one a1 sends.
        await a.Devices["a1"].SendAsync(group, "next"u8.ToArray(), Ct);
        Assert.True(await reader.MoveNextAsync());
        Assert.Equal("next"u8.ToArray(), reader.Current.Payload.ToArray());
    }
}

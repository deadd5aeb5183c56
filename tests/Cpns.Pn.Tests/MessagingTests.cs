using System.Text;
using Cpns.Device.Client;
using Cpns.Device.Messaging;
using Cpns.Pn.Tests.Support;
using Cpns.Protocol.V1;
using Cpns.Transport;

namespace Cpns.Pn.Tests;

/// <summary>Group messages between members of one PN, relayed by the gateway.</summary>
public sealed class MessagingTests
{
    [Fact]
    public async Task GroupMessages_BetweenMembers_RemovedCannotOpenLater_ReplayDropped()
    {
        await using var pn = await PnHarness.StartAsync();
        var a = await pn.PairDeviceAsync("pne-a");
        var b = await pn.PairDeviceAsync("pne-b");
        var c = await pn.PairDeviceAsync("pne-c");
        await pn.NotifyAsync("game", 1, ["pne-a", "pne-b", "pne-c"]);
        foreach (var d in new[] { a, b, c })
        {
            await PnHarness.EventuallyAsync(async () => await d.Store.GetGroupAsync("game", PnHarness.Ct) is { Epoch: 1 }, d.PneId + " epoch 1");
        }

        await a.SendAsync("game", Encoding.UTF8.GetBytes("hello"), PnHarness.Ct);
        Assert.Equal("hello", Encoding.UTF8.GetString((await NextAsync(b)).Payload.Span));
        Assert.Equal("hello", Encoding.UTF8.GetString((await NextAsync(c)).Payload.Span));
        var relayed = pn.Wire.Single(w => !w.Inbound && w.Topic == Topics.PnMessages(PnHarness.PnId, "game"));
        Assert.Single(pn.Uplink.Relayed);

        // Replay: the same bytes relayed again are dropped by the receivers.
        Assert.True(await pn.Host.DeliverRelayedGroupMessageAsync("game", relayed.Payload, PnHarness.Ct));
        await PnHarness.EventuallyAsync(() => b.GetRefusedCount(DeviceInputRefusal.GroupMessageRefused) == 1, "b dropped the replay");
        // The refusal is counted before it is logged, so wait for the log line too.
        await PnHarness.EventuallyAsync(
            () => Task.FromResult(pn.Logs.Events.Any(e => e.EventId == 7002 && e.Message.Contains("Replay", StringComparison.Ordinal))),
            "the replay refusal logged");

        // c is removed; the group rotates without it; later messages are not opened by c.
        await pn.Host.RemovePneAsync("pne-c", PnHarness.Ct);
        await pn.NotifyAsync("game", 2, ["pne-a", "pne-b"], GroupKeyReason.MemberLeft);
        await PnHarness.EventuallyAsync(async () => await a.Store.GetGroupAsync("game", PnHarness.Ct) is { Epoch: 2 }, "a epoch 2");
        await PnHarness.EventuallyAsync(async () => await b.Store.GetGroupAsync("game", PnHarness.Ct) is { Epoch: 2 }, "b epoch 2");
        await a.SendAsync("game", Encoding.UTF8.GetBytes("after removal"), PnHarness.Ct);
        Assert.Equal("after removal", Encoding.UTF8.GetString((await NextAsync(b)).Payload.Span));
        await Task.Delay(300, PnHarness.Ct);
        using var none = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await c.ReadMessagesAsync(none.Token).GetAsyncEnumerator(none.Token).MoveNextAsync());

        // c may no longer publish into the PN either.
        await Assert.ThrowsAnyAsync<Exception>(() => c.SendAsync("game", Encoding.UTF8.GetBytes("x"), PnHarness.Ct));
    }

    [Fact]
    public async Task GroupMessage_FromPneNoLongerAMember_RefusedByTheGateway()
    {
        await using var pn = await PnHarness.StartAsync();
        var a = await pn.PairDeviceAsync("pne-a");
        var b = await pn.PairDeviceAsync("pne-b");
        await pn.NotifyAsync("game", 1, ["pne-a", "pne-b"]);
        await PnHarness.EventuallyAsync(async () => await a.Store.GetGroupAsync("game", PnHarness.Ct) is { Epoch: 1 }, "a epoch 1");

        var directory = pn.DeviceOptions("pne-a").DataDirectory;
        var snapshot = directory + ".epoch1";
        CopyDirectory(directory, snapshot);

        // a leaves the group (epoch 2 without it): the gateway tells it to delete its key, and it does.
        await pn.NotifyAsync("game", 2, ["pne-b"], GroupKeyReason.MemberLeft);
        await PnHarness.EventuallyAsync(async () => await b.Store.GetGroupAsync("game", PnHarness.Ct) is { Epoch: 2 }, "b epoch 2");
        await PnHarness.EventuallyAsync(async () => await a.Store.GetGroupAsync("game", PnHarness.Ct) is { Status: Device.Storage.GroupKeyStatus.Deleted }, "a deleted its key");

        // A device that ignored the delete still holds epoch 1 (its store as it was): the gateway does not relay its messages.
        await a.DisposeAsync();
        Directory.Delete(directory, recursive: true);
        CopyDirectory(snapshot, directory);
        await using var stale = await DeviceClient.OpenAsync(pn.DeviceOptions("pne-a"), pn.Logs.Factory, PnHarness.Ct);
        await stale.StartAsync(pn.Host.PnEndpoint, PnHarness.Ct);
        // The retained epoch-2 broadcast may reach it first and end the old epoch on the device itself; either way
        // nothing it sends is relayed, and what it does send the gateway refuses.
        var sent = false;
        try
        {
            await stale.SendAsync("game", Encoding.UTF8.GetBytes("still here"), PnHarness.Ct);
            sent = true;
        }
        catch (InvalidOperationException)
        {
        }

        if (sent)
        {
            await PnHarness.EventuallyAsync(() => pn.Host.GetRefusedCount(Gateway.Hosting.PneInputRefusal.NotAGroupMember) == 1, "refused as not a member");
        }

        Assert.DoesNotContain(pn.Wire, w => !w.Inbound && w.Topic == Topics.PnMessages(PnHarness.PnId, "game"));
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)), overwrite: true);
        }
    }

    private static async Task<GroupMessageReceipt> NextAsync(DeviceClient device)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(PnHarness.Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        await foreach (var receipt in device.ReadMessagesAsync(timeout.Token))
        {
            return receipt;
        }

        throw new InvalidOperationException("no message");
    }
}

using System.Net.Http.Json;
using Cpns.Protocol.V1;
using Cpns.Server.Tests.Support;

namespace Cpns.Server.Tests.Deliveries;

/// <summary>Group Key delivery to PN GWs over MQTT, on the embedded broker and on Mosquitto, with real TLS on loopback.</summary>
public sealed class DeliveryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(BrokerKind.Embedded)]
    [InlineData(BrokerKind.Mosquitto)]
    public async Task Deliver_NewGroup_GatewayUnwrapsKeyAcknowledgesAndReports(BrokerKind broker)
    {
        await using var bed = await DeliveryTestBed.StartAsync(broker);
        var gw = await bed.GatewayAsync("gw-a", "watch", "speaker");

        var group = await bed.CreateGroupAsync(("gw-a", "watch"), ("gw-a", "speaker"));
        await bed.WaitForStatusAsync(group, 1, "gw-a", "Acknowledged");
        var accepted = Assert.Single(gw.Accepted);
        Assert.Equal(group.ToString(), accepted.GroupId);
        Assert.Equal(1UL, accepted.Epoch);
        Assert.Equal(32, accepted.Key.Length);

        // The gateway reports what its PNEs answered; the API shows it per PNE.
        var notification = gw.Received.Select(r => r.Envelope).First(e => e.BodyCase == Envelope.BodyOneofCase.GroupKeyNotification);
        var report = new GroupKeyDeliveryReport { GroupId = group.ToString(), Epoch = 1 };
        report.Deliveries.Add(new PneDelivery { PneId = "watch", Status = Status.Ok });
        report.Deliveries.Add(new PneDelivery { PneId = "speaker", Status = Status.Timeout });
        await gw.PublishAsync(report, notification, cancellationToken: Ct);
        await TestGateway.WaitForAsync(() => bed.DeliveryAsync(group, 1, "gw-a").Result.GetProperty("pnes").GetArrayLength() == 2);
        var row = await bed.DeliveryAsync(group, 1, "gw-a");
        // One send per member list (the second join re-opens epoch 1), plus any re-send: each one reached the gateway.
        Assert.Equal(gw.Notifications.Count(n => n.Epoch == 1), row.GetProperty("attempts").GetInt32());
        Assert.Equal(["speaker", "watch"], gw.Notifications.Last().MemberPneIds);
        Assert.Equal(["speaker:Timeout", "watch:Ok"], row.GetProperty("pnes").EnumerateArray().Select(p => $"{p.GetProperty("pneId").GetString()}:{p.GetProperty("status").GetString()}"));
    }

    [Theory]
    [InlineData(BrokerKind.Embedded)]
    [InlineData(BrokerKind.Mosquitto)]
    public async Task Sync_GatewayOfflineDuringThreeUpdates_GetsOnlyTheLatestEpoch(BrokerKind broker)
    {
        await using var bed = await DeliveryTestBed.StartAsync(broker);
        var gw = await bed.GatewayAsync("gw-off", "watch");
        var group = await bed.CreateGroupAsync(("gw-off", "watch"));
        await bed.WaitForStatusAsync(group, 1, "gw-off", "Acknowledged");

        // Offline without a session at the broker: what is published meanwhile is lost, as after a broker restart.
        await gw.DisconnectAsync();
        await using var returning = await TestGateway.EnrollAsync(bed.Anonymous, await bed.CreateTokenAsync("gw-off"), broker: gw.Broker);
        for (var i = 0; i < 3; i++)
        {
            await bed.RotateAsync(group);
        }

        await Task.Delay(300, Ct);
        await returning.ConnectAsync(persistentSession: false);
        await bed.WaitForStatusAsync(group, 4, "gw-off", "Acknowledged");

        var sync = Assert.Single(returning.Received, r => r.Envelope.BodyCase == Envelope.BodyOneofCase.SyncResponse).Envelope.SyncResponse;
        var latest = Assert.Single(sync.Latest);
        Assert.Equal(4UL, latest.Epoch);
        Assert.All(returning.Notifications, n => Assert.Equal(4UL, n.Epoch));
        Assert.Equal([4UL], returning.Accepted.Select(a => a.Epoch).Distinct());
        var rows = await bed.DeliveriesAsync(group);
        Assert.All(rows.Where(r => r.GetProperty("epoch").GetInt64() is 2 or 3), r => Assert.Equal("Superseded", r.GetProperty("status").GetString()));
    }

    [Theory]
    [InlineData(BrokerKind.Embedded)]
    [InlineData(BrokerKind.Mosquitto)]
    public async Task Retry_UnansweredNotification_ResentWithBackoffThenDuplicateAcknowledgedAndIgnored(BrokerKind broker)
    {
        await using var bed = await DeliveryTestBed.StartAsync(broker, o =>
        {
            o.DeliveryRetryDelay = TimeSpan.FromMilliseconds(300);
            o.DeliveryRetryMaxDelay = TimeSpan.FromSeconds(5);
        });
        var gw = await bed.GatewayAsync("gw-slow", "watch");
        gw.AutoRespond = false;

        var group = await bed.CreateGroupAsync(("gw-slow", "watch"));
        await TestGateway.WaitForAsync(() => gw.Notifications.Count() >= 4, TimeSpan.FromSeconds(15), "four sends of an unanswered notification");
        var times = gw.Received.Where(r => r.Envelope.BodyCase == Envelope.BodyOneofCase.GroupKeyNotification).Select(r => r.At).Take(4).ToArray();
        var gaps = times.Zip(times.Skip(1), (a, b) => (b - a).TotalMilliseconds).ToArray();
        Assert.True(gaps[0] >= 250, $"first re-send after {gaps[0]} ms");
        Assert.True(gaps[1] > gaps[0] * 1.4 && gaps[2] > gaps[1] * 1.4, $"back-off gaps {string.Join(", ", gaps)}");

        // Every copy is the same epoch: the gateway accepts the first and answers OK to each; the server acknowledges once.
        Assert.Single(gw.Accepted);
        Assert.True(gw.Duplicates.Count >= 3);
        await gw.ReleaseHeldResponsesAsync();
        gw.AutoRespond = true;
        await bed.WaitForStatusAsync(group, 1, "gw-slow", "Acknowledged");
        await TestGateway.WaitForAsync(() => bed.Logged("already_acknowledged"), because: "duplicate responses refused as already acknowledged");
        var attempts = (await bed.DeliveryAsync(group, 1, "gw-slow")).GetProperty("attempts").GetInt32();
        await Task.Delay(1500, Ct);
        Assert.Equal(attempts, (await bed.DeliveryAsync(group, 1, "gw-slow")).GetProperty("attempts").GetInt32());
        Assert.Equal(attempts, gw.Notifications.Count());
    }

    [Theory]
    [InlineData(BrokerKind.Embedded)]
    [InlineData(BrokerKind.Mosquitto)]
    public async Task Compromise_ThenRotationsAndSync_CompromisedPneInNoLaterMemberList(BrokerKind broker)
    {
        await using var bed = await DeliveryTestBed.StartAsync(broker);
        var gw = await bed.GatewayAsync("gw-c", "watch", "speaker", "laptop");
        var group = await bed.CreateGroupAsync(("gw-c", "watch"), ("gw-c", "speaker"), ("gw-c", "laptop"));
        await bed.WaitForStatusAsync(group, 1, "gw-c", "Acknowledged");

        var compromised = await bed.Server.Client.PostAsync($"/groups/{group}/members/gw-c:speaker/compromise", null, Ct);
        compromised.EnsureSuccessStatusCode();
        await bed.RotateAsync(group);

        // The gateway removes the laptop from its PN: a leaver, so a new epoch without it.
        var ack = await gw.ReportInventoryAsync("pn-gw-c", [], ["laptop"]);
        Assert.Equal(Status.Ok, ack.Status);
        await bed.WaitForStatusAsync(group, 4, "gw-c", "Acknowledged");

        // A sync after a reconnect sends the latest epoch's member list again.
        await gw.DisconnectAsync();
        await gw.ConnectAsync();
        await bed.RotateAsync(group);
        await bed.WaitForStatusAsync(group, 5, "gw-c", "Acknowledged");

        var later = gw.Notifications.Where(n => n.Epoch >= 2).ToList();
        Assert.NotEmpty(later);
        Assert.All(later, n => Assert.DoesNotContain("speaker", n.MemberPneIds));
        Assert.All(later.Where(n => n.Epoch >= 4), n => Assert.Equal(["watch"], n.MemberPneIds));
        // Epochs 2 and 3 may be superseded before they go out; when sent, epoch 2 says why.
        Assert.All(gw.Notifications.Where(n => n.Epoch == 2), n => Assert.Equal(GroupKeyReason.MemberCompromised, n.Reason));
        Assert.Contains(gw.Notifications, n => n.Epoch == 4 && n.Reason == GroupKeyReason.MemberLeft);
        var pnes = await bed.Server.Client.GetFromJsonAsync<System.Text.Json.JsonElement>("/gateways/gw-c/pnes", Ct);
        Assert.Equal(["speaker", "watch"], pnes.EnumerateArray().Select(p => p.GetProperty("pneId").GetString()));
    }

    [Theory]
    [InlineData(BrokerKind.Embedded)]
    [InlineData(BrokerKind.Mosquitto)]
    public async Task Delete_LastMemberLeavesThenGroupDeleted_GatewayToldToDeleteAndAcknowledges(BrokerKind broker)
    {
        await using var bed = await DeliveryTestBed.StartAsync(broker);
        var a = await bed.GatewayAsync("gw-d1", "watch");
        var b = await bed.GatewayAsync("gw-d2", "phone");
        var group = await bed.CreateGroupAsync(("gw-d1", "watch"), ("gw-d2", "phone"));
        await bed.WaitForStatusAsync(group, 1, "gw-d1", "Acknowledged");

        (await bed.Server.Client.DeleteAsync($"/groups/{group}/members/gw-d1:watch", Ct)).EnsureSuccessStatusCode();
        await bed.RotateAsync(group);
        await bed.WaitForStatusAsync(group, 2, "gw-d1", "Acknowledged");
        var delete = Assert.Single(a.Deletes);
        Assert.Equal(GroupKeyDeleteReason.MemberLeft, delete.Reason);
        Assert.Equal(["watch"], delete.PneIds);

        (await bed.Server.Client.DeleteAsync($"/groups/{group}", Ct)).EnsureSuccessStatusCode();
        await bed.WaitForStatusAsync(group, 4, "gw-d2", "Acknowledged");
        Assert.Equal(GroupKeyDeleteReason.GroupDeleted, Assert.Single(b.Deletes).Reason);
    }
}

using Cpns.Protocol;
using Cpns.Protocol.V1;
using Cpns.Server.Tests.Support;
using Cpns.Transport;
using Google.Protobuf;

namespace Cpns.Server.Tests.Deliveries;

/// <summary>Malformed, forged and replayed gateway messages are refused with a specific logged reason, and the server keeps serving.</summary>
public sealed class BadInputTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(BrokerKind.Embedded)]
    [InlineData(BrokerKind.Mosquitto)]
    public async Task Uplink_MalformedForgedAndReplayed_RefusedWithReasonAndServerKeepsServing(BrokerKind broker)
    {
        await using var bed = await DeliveryTestBed.StartAsync(broker);
        var gw = await bed.GatewayAsync("gw-bad", "watch");
        var group = await bed.CreateGroupAsync(("gw-bad", "watch"));
        await bed.WaitForStatusAsync(group, 1, "gw-bad", "Acknowledged");
        var notification = gw.Received.Select(r => r.Envelope).First(e => e.BodyCase == Envelope.BodyOneofCase.GroupKeyNotification);
        var groupText = group.ToString();

        // Malformed payloads.
        await gw.PublishRawAsync([0xFF, 0x00, 0x13, 0x37], Ct);
        await gw.PublishRawAsync([], Ct);
        // A response naming another gateway as sender.
        await gw.PublishAsync(new GroupKeyResponse { GroupId = groupText, Epoch = 1, Status = Status.Ok }, notification, senderId: "gw-other", cancellationToken: Ct);
        // A response correlated with no message the server sent.
        var forged = EnvelopeCodec.CreateEnvelope(new GroupKeyResponse { GroupId = groupText, Epoch = 1, Status = Status.Ok }, "gw-bad");
        forged.CorrelationId = ByteString.CopyFrom(new byte[16].Select((_, i) => (byte)(i + 1)).ToArray());
        await gw.PublishRawAsync(EnvelopeCodec.Encode(forged), Ct);
        // A response correlated with the real notification but for another epoch.
        await gw.PublishAsync(new GroupKeyResponse { GroupId = groupText, Epoch = 7, Status = Status.Ok }, notification, cancellationToken: Ct);
        // A replay of an acknowledged response: same bytes (same message id), then a fresh copy of it.
        var response = EnvelopeCodec.CreateEnvelope(new GroupKeyResponse { GroupId = groupText, Epoch = 1, Status = Status.Ok }, "gw-bad", notification);
        var bytes = EnvelopeCodec.Encode(response);
        await gw.PublishRawAsync(bytes, Ct);
        await gw.PublishRawAsync(bytes, Ct);
        // A message a gateway never sends to the server.
        await gw.PublishAsync(new GroupKeyNotification(notification.GroupKeyNotification), cancellationToken: Ct);

        foreach (var reason in new[] { "malformed_envelope (Malformed", "malformed_envelope (Empty", "sender_mismatch", "unknown_correlation", "correlation_mismatch", "already_acknowledged", "replayed_message_id", "unexpected_message" })
        {
            await TestGateway.WaitForAsync(() => bed.Logged("Refused a message from gateway gw-bad: " + reason), because: reason);
        }

        // Still serving: the next epoch goes out and is acknowledged.
        var epoch = await bed.RotateAsync(group);
        await bed.WaitForStatusAsync(group, epoch, "gw-bad", "Acknowledged");
    }

    [Theory]
    [InlineData(BrokerKind.Embedded)]
    [InlineData(BrokerKind.Mosquitto)]
    public async Task Subscribe_AnotherGatewaysDownlink_RefusedByBrokerAndServerKeepsServing(BrokerKind broker)
    {
        await using var bed = await DeliveryTestBed.StartAsync(broker);
        var victim = await bed.GatewayAsync("gw-victim", "watch");
        await using var intruder = await TestGateway.EnrollAsync(bed.Anonymous, await bed.CreateTokenAsync("gw-intruder"));

        // The intruder's own certificate and client id (the embedded broker binds the client id to the CN).
        await using var spy = intruder.CreateConnection();
        var leaked = 0;
        spy.MessageReceived = (_, _) =>
        {
            Interlocked.Increment(ref leaked);
            return Task.CompletedTask;
        };
        spy.Start();
        await spy.WaitUntilConnectedAsync(Ct).WaitAsync(TimeSpan.FromSeconds(15), Ct);
        var subscribe = await Record.ExceptionAsync(() => spy.SubscribeAsync(Topics.GatewayDown("gw-victim"), Ct));
        if (broker == BrokerKind.Embedded)
        {
            // The embedded broker answers SUBACK 0x87 and logs the policy's reason.
            Assert.Contains("refused", Assert.IsType<TransportException>(subscribe).Message, StringComparison.OrdinalIgnoreCase);
        }

        // Mosquitto 2.0.11 may grant the SUBACK but applies the ACL on delivery: nothing reaches the spy (asserted below).
        var publish = Record.ExceptionAsync(() => spy.PublishAsync(Topics.GatewayUp("gw-victim"), new byte[] { 1, 2, 3 }, cancellationToken: Ct));
        if (broker == BrokerKind.Embedded)
        {
            Assert.IsType<TransportException>(await publish);
            Assert.True(bed.Logged("gw-intruder"));
        }
        else
        {
            // Mosquitto drops an unauthorised publish silently (MQTT 5 PUBACK success); the server never sees it.
            await publish;
        }

        var group = await bed.CreateGroupAsync(("gw-victim", "watch"));
        await bed.WaitForStatusAsync(group, 1, "gw-victim", "Acknowledged");
        Assert.Single(victim.Accepted);
        Assert.Equal(0, leaked);
        Assert.False(bed.Logged("malformed_envelope"));
    }
}

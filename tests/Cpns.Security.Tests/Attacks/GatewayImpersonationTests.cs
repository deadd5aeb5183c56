using System.Net.Http.Json;
using System.Text.Json;
using Cpns.Protocol;
using Cpns.Protocol.V1;
using Cpns.Security.Tests.Support;
using Cpns.Transport;

namespace Cpns.Security.Tests.Attacks;

/// <summary>
/// A gateway impersonating another on the server's embedded broker, with its own valid certificate: the other's client
/// id, the other's topics, the other's name as sender. Refused by the broker (connection, ACL) or the server (sender
/// check), each logged with the reason and counted; the victim's deliveries go on untouched.
/// </summary>
public sealed class GatewayImpersonationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Gateway_ImpersonatingAnother_RefusedByBrokerAndServerLoggedCountedVictimUntouched()
    {
        using var metrics = new MetricCapture(Meters.All);
        await using var bed = await SecurityBed.StartAsync();
        var victim = await bed.GatewayAsync("gw-victim", "v1");
        var group = await bed.CreateGroupAsync((victim, "v1"));
        using var rogue = await RogueGateway.EnrollAsync(bed, "gw-rogue");

        // 1. Its certificate with the victim's client id: the broker binds the client id to the certificate's CN.
        await using (var asVictim = rogue.Connect("gw-victim"))
        {
            asVictim.Start();
            await Eventually.TrueAsync(
                () => metrics.Sum("cpns.transport.broker.connections.refused", ("reason", "client id must equal the certificate CN")) >= 1,
                "the broker to refuse the victim's client id");
            Assert.False(asVictim.IsConnected);
        }

        Assert.True(bed.Logs.Has(110, "(client id gw-victim) refused: client id must equal the certificate CN"), "the refusal logged with its reason");

        // 2. Its own identity, the victim's topics.
        await using var own = rogue.Connect();
        var leaked = 0;
        own.MessageReceived = (_, _) =>
        {
            Interlocked.Increment(ref leaked);
            return Task.CompletedTask;
        };
        own.Start();
        await own.WaitUntilConnectedAsync(Ct).WaitAsync(TimeSpan.FromSeconds(15), Ct);
        var forged = EnvelopeCodec.CreateEnvelope(new GroupKeyResponse { GroupId = group, Epoch = 2, Status = Status.Ok }, "gw-victim");
        forged.CorrelationId = Google.Protobuf.ByteString.CopyFrom(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var forgedAck = EnvelopeCodec.Encode(forged);
        await Assert.ThrowsAsync<TransportException>(() => own.PublishAsync(Topics.GatewayUp("gw-victim"), forgedAck, cancellationToken: Ct));
        await Assert.ThrowsAsync<TransportException>(() => own.SubscribeAsync(Topics.GatewayDown("gw-victim"), Ct));
        Assert.True(metrics.Sum("cpns.transport.broker.operations.refused", ("action", "publish")) >= 1);
        Assert.True(metrics.Sum("cpns.transport.broker.operations.refused", ("action", "subscribe")) >= 1);
        Assert.True(bed.Logs.Has(111, $"by gw-rogue on {Topics.GatewayUp("gw-victim")} refused"), "the publish refusal logged");
        Assert.True(bed.Logs.Has(111, $"by gw-rogue on {Topics.GatewayDown("gw-victim")} refused"), "the subscribe refusal logged");

        // 3. Its own topic, the victim's name as sender.
        await own.PublishAsync(Topics.GatewayUp("gw-rogue"), forgedAck, cancellationToken: Ct);
        await Eventually.TrueAsync(() => metrics.Sum("cpns.server.uplink.refused", ("reason", "sender_mismatch")) == 1, "the server to count the sender mismatch");
        await Eventually.TrueAsync(() => bed.Logs.Has(2101, "Refused a message from gateway gw-rogue: sender_mismatch"), "the refusal logged with its reason");

        // The victim is untouched: the next epoch reaches it and is acknowledged by it alone; nothing leaked.
        var epoch = await bed.RotateAsync(group);
        await Eventually.TrueAsync(async () => await victim.EpochAsync("v1", group) == (ulong)epoch, "v1 to hold the next epoch");
        await Eventually.TrueAsync(
            async () => (await bed.Api.GetFromJsonAsync<JsonElement>($"/groups/{group}/deliveries", Ct)).EnumerateArray()
                .Any(d => d.GetProperty("gatewayId").GetString() == "gw-victim" && d.GetProperty("epoch").GetInt64() == epoch && d.GetProperty("status").GetString() == "Acknowledged"),
            "the victim's acknowledgement recorded");
        Assert.Equal(0, leaked);
    }

    [Fact]
    public async Task Enroll_TokenReplayed_Refused401LoggedCountedNoSecondIdentity()
    {
        using var metrics = new MetricCapture(Meters.All);
        await using var bed = await SecurityBed.StartAsync();
        using var first = await RogueGateway.EnrollAsync(bed, "gw-once");
        var token = bed.Tokens[^1];

        // The same one-time token again (captured from the first enrollment), with a fresh key pair.
        using var anonymous = new HttpClient { BaseAddress = bed.Server.Addresses[0] };
        using var keyPair = ClientKeyPair.Create();
        var again = await anonymous.PostAsJsonAsync("/gateways/enroll", new { token, csr = Convert.ToBase64String(keyPair.CreateSigningRequest("gw-once")) }, Ct);

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, again.StatusCode);
        Assert.DoesNotContain("gatewayKey", await again.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(1, metrics.Sum("cpns.server.api.refused", ("reason", "enrollment_refused")));
        Assert.True(bed.Logs.Has(6001, "refused: already used"), "the reason logged (by token id, never the token)");
        Assert.True(bed.Logs.Has(4102, "enrollment_refused"));
    }
}

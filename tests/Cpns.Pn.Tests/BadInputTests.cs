using System.Security.Cryptography;
using Cpns.Device.Client;
using Cpns.Gateway.Hosting;
using Cpns.Pn.Tests.Support;
using Cpns.Protocol;
using Cpns.Protocol.V1;
using Cpns.Transport;
using Google.Protobuf;

namespace Cpns.Pn.Tests;

/// <summary>Bad input from PNEs and pairing clients: refused with a specific reason, and the gateway goes on.</summary>
public sealed class BadInputTests
{
    [Fact]
    public async Task PneUp_MalformedAndForgedEnvelopes_RefusedAndGatewayGoesOn()
    {
        await using var pn = await PnHarness.StartAsync();
        var a = await pn.PairDeviceAsync("pne-a");
        await using var raw = await pn.ConnectRawAsync("pne-x");
        var up = Topics.PneUp(PnHarness.PnId, "pne-x");

        await raw.PublishAsync(up, new byte[] { 0x08, 0xFF, 0xFF }, cancellationToken: PnHarness.Ct);
        await raw.PublishAsync(up, new byte[] { 0x42, 0x00 }, cancellationToken: PnHarness.Ct);
        // A well-formed envelope whose sender is another PNE.
        var forged = EnvelopeCodec.CreateEnvelope(new GkdkAssignmentRequest { PneId = "pne-a" }, "pne-a");
        await raw.PublishAsync(up, EnvelopeCodec.Encode(forged), cancellationToken: PnHarness.Ct);
        // A message type a PNE may not send.
        var wrongBody = EnvelopeCodec.CreateEnvelope(new SyncRequest(), "pne-x");
        await raw.PublishAsync(up, EnvelopeCodec.Encode(wrongBody), cancellationToken: PnHarness.Ct);
        // A group message in the name of another PNE.
        var message = new GroupMessage { GroupId = "game", Epoch = 1, SenderPneId = "pne-a", Counter = 1, Ciphertext = ByteString.CopyFrom(new byte[20]) };
        await raw.PublishAsync(up, message.ToByteArray(), cancellationToken: PnHarness.Ct);

        await PnHarness.EventuallyAsync(() => pn.Host.GetRefusedCount(PneInputRefusal.MalformedEnvelope) == 2, "two malformed");
        await PnHarness.EventuallyAsync(() => pn.Host.GetRefusedCount(PneInputRefusal.SenderMismatch) == 2, "two sender mismatches");
        await PnHarness.EventuallyAsync(() => pn.Host.GetRefusedCount(PneInputRefusal.UnexpectedBody) == 1, "unexpected body");
        await PnHarness.EventuallyAsync(() => pn.Logs.Events.Any(e => e.EventId == 6002 && e.Message.Contains("MalformedEnvelope", StringComparison.Ordinal)), "MalformedEnvelope logged");

        // The gateway goes on: a later valid exchange works.
        await pn.NotifyAsync("game", 1, ["pne-a"]);
        await PnHarness.EventuallyAsync(async () => await a.Store.GetGroupAsync("game", PnHarness.Ct) is { Epoch: 1 }, "a got the key");
    }

    [Fact]
    public async Task PneUp_PublishOnAnotherPnesTopic_RefusedByTheBroker()
    {
        await using var pn = await PnHarness.StartAsync();
        await pn.PairDeviceAsync("pne-a");
        await using var raw = await pn.ConnectRawAsync("pne-x");
        var request = EnvelopeCodec.Encode(EnvelopeCodec.CreateEnvelope(new GkdkAssignmentRequest { PneId = "pne-x" }, "pne-x"));

        await Assert.ThrowsAsync<TransportException>(() => raw.PublishAsync(Topics.PneUp(PnHarness.PnId, "pne-a"), request, cancellationToken: PnHarness.Ct));
        await Assert.ThrowsAsync<TransportException>(() => raw.SubscribeAsync(Topics.PneDown(PnHarness.PnId, "pne-a"), PnHarness.Ct));
        Assert.DoesNotContain(pn.Wire, w => w.Inbound && w.Topic == Topics.PneUp(PnHarness.PnId, "pne-a") && w.Payload.AsSpan().SequenceEqual(request));
    }

    [Fact]
    public async Task GkdkRequest_FromUnregisteredPne_AnsweredUnknownPneAndCounted()
    {
        await using var pn = await PnHarness.StartAsync();
        await using var ghost = await pn.ConnectRawAsync("pne-ghost");
        var answers = new List<Envelope>();
        ghost.MessageReceived = (m, _) =>
        {
            lock (answers)
            {
                answers.Add(EnvelopeCodec.Decode(m.Payload.Span));
            }

            return Task.CompletedTask;
        };
        await ghost.SubscribeAsync(Topics.PneDown(PnHarness.PnId, "pne-ghost"), PnHarness.Ct);
        var request = EnvelopeCodec.CreateEnvelope(new GkdkAssignmentRequest { PneId = "pne-ghost" }, "pne-ghost");
        await ghost.PublishAsync(Topics.PneUp(PnHarness.PnId, "pne-ghost"), EnvelopeCodec.Encode(request), cancellationToken: PnHarness.Ct);

        await PnHarness.EventuallyAsync(() => { lock (answers) { return answers.Count == 1; } }, "an answer");
        Assert.Equal(Status.UnknownPne, answers[0].GkdkAssignmentResponse.Status);
        Assert.True(answers[0].GkdkAssignmentResponse.WrappedGkdk.IsEmpty);
        Assert.Equal(1, pn.Host.GetRefusedCount(PneInputRefusal.GkdkRefused));
        Assert.True(pn.Logs.Has(3008));

        // A registered PNE is served afterwards.
        var a = await pn.PairDeviceAsync("pne-a");
        Assert.True(a.Store.HasGkdk);
    }

    [Fact]
    public async Task Pairing_WrongCodes_RefusedThenRateLimited_LaterPairingWorks()
    {
        await using var pn = await PnHarness.StartAsync();

        // A mistyped code fails on the device before anything secret is sent (the commitment does not match).
        var ticket = pn.Host.StartPairing();
        var digits = ticket.Code.Replace("-", string.Empty, StringComparison.Ordinal).ToCharArray();
        digits[5] = digits[5] == '9' ? '0' : (char)(digits[5] + 1);
        await Assert.ThrowsAsync<PairingFailedException>(() => DeviceClient.PairAsync(pn.DeviceOptions("pne-typo"), new string(digits), pn.Host.PairingEndpoint, "pne-typo", cancellationToken: PnHarness.Ct));

        // An attacker that skips the check and guesses confirmations: refused, then the session dies.
        var pairingId = Crypto.GatewayPairing.PairingIdOf(ticket.Session);
        var hex = Convert.ToHexStringLower(pairingId);
        await using var channel = await PairingChannel.ConnectAsync(pn.Host.PairingEndpoint, null, hex, TimeSpan.FromSeconds(5), PnHarness.Ct);
        Assert.Equal(PnHarness.PnId, channel.PnId);
        using var attacker = System.Security.Cryptography.ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var p = attacker.ExportParameters(false);
        var request = EnvelopeCodec.CreateEnvelope(
            new EuKeyAssignmentRequest { PneId = "pne-evil", PairingId = ByteString.CopyFrom(pairingId), PnePublicKey = ByteString.CopyFrom([0x04, .. p.Q.X!, .. p.Q.Y!]) },
            "pne-evil");
        await channel.SendAsync(EnvelopeCodec.Encode(request), PnHarness.Ct);
        Assert.Equal(Status.Ok, EnvelopeCodec.Decode(await channel.ReceiveAsync(TimeSpan.FromSeconds(5), PnHarness.Ct)).EuKeyAssignmentResponse.Status);
        var statuses = new List<Status>();
        for (var i = 0; i < 4; i++)
        {
            var confirm = EnvelopeCodec.CreateEnvelope(
                new EuKeyAssignmentConfirm { PairingId = ByteString.CopyFrom(pairingId), PneConfirmation = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(32)), CertificateSigningRequest = ByteString.CopyFrom([0x30, 0x00]) },
                "pne-evil",
                request);
            await channel.SendAsync(EnvelopeCodec.Encode(confirm), PnHarness.Ct);
            statuses.Add(EnvelopeCodec.Decode(await channel.ReceiveAsync(TimeSpan.FromSeconds(5), PnHarness.Ct)).EuKeyAssignmentComplete.Status);
        }

        Assert.Equal([Status.AuthenticationFailed, Status.AuthenticationFailed, Status.AuthenticationFailed, Status.Rejected], statuses);
        Assert.Equal(4, pn.Host.GetRefusedCount(PneInputRefusal.PairingRefused));
        await PnHarness.EventuallyAsync(() => pn.Logs.Events.Any(e => e.EventId == 6002 && e.Message.Contains("RateLimited", StringComparison.Ordinal)), "RateLimited logged");
        Assert.DoesNotContain((await pn.Host.GetStatusAsync(PnHarness.Ct)).Pnes, x => x.PneId == "pne-evil");

        // The gateway goes on: a fresh code pairs.
        var a = await pn.PairDeviceAsync("pne-a");
        Assert.True(a.Store.HasGkdk);
    }

    [Fact]
    public async Task Device_MalformedInput_RefusedAndClientGoesOn()
    {
        await using var pn = await PnHarness.StartAsync();
        var a = await pn.PairDeviceAsync("pne-a");

        // The gateway identity is the only one that may publish to a PNE; use the host's own connection path via a relay of garbage.
        Assert.False(await pn.Host.DeliverRelayedGroupMessageAsync("game", new byte[] { 0x0A, 0xFF }, PnHarness.Ct));
        var bogus = new GroupMessage { GroupId = "game", Epoch = 1, SenderPneId = "pne-z", Counter = 1, Ciphertext = ByteString.CopyFrom(new byte[20]) };
        Assert.True(await pn.Host.DeliverRelayedGroupMessageAsync("game", bogus.ToByteArray(), PnHarness.Ct));

        await PnHarness.EventuallyAsync(() => a.GetRefusedCount(DeviceInputRefusal.GroupMessageRefused) == 1, "device refused the message");
        await pn.NotifyAsync("game", 1, ["pne-a"]);
        await PnHarness.EventuallyAsync(async () => await a.Store.GetGroupAsync("game", PnHarness.Ct) is { Epoch: 1 }, "a goes on");
    }
}

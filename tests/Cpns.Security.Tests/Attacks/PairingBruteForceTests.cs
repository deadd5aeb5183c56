using System.Security.Cryptography;
using Cpns.Device.Client;
using Cpns.Protocol;
using Cpns.Protocol.V1;
using Cpns.Security.Tests.Support;
using Google.Protobuf;

namespace Cpns.Security.Tests.Attacks;

/// <summary>
/// Brute force of a pairing code against a real gateway's pairing listener: an attacker that skips the device's
/// commitment check and guesses confirmations. Refused (wrong code, then the session is dead, then rate limited),
/// logged with the reason (never the code) and counted on the gateway's meter; nobody is registered.
/// tests/Cpns.Pn.Tests/BadInputTests.Pairing_WrongCodes_RefusedThenRateLimited_LaterPairingWorks shows the same
/// flow against the in-memory counts; this one adds the meter and a second session for the global limit.
/// </summary>
public sealed class PairingBruteForceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PairingCode_BruteForced_RefusedSessionLockedRateLimitedLoggedCounted()
    {
        using var metrics = new MetricCapture(Meters.All);
        await using var bed = await SecurityBed.StartAsync();
        var node = await bed.GatewayAsync("gw-p");
        var statuses = new List<Status>();
        var codes = new List<string>();

        // Two sessions the owner opened; the attacker guesses on both.
        for (var session = 0; session < 2; session++)
        {
            var ticket = node.Host.StartPairing();
            codes.Add(ticket.Code);
            var pairingId = Crypto.GatewayPairing.PairingIdOf(ticket.Session);
            await using var channel = await PairingChannel.ConnectAsync(node.Host.PairingEndpoint, null, Convert.ToHexStringLower(pairingId), TimeSpan.FromSeconds(5), Ct);
            using var attacker = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
            var p = attacker.ExportParameters(false);
            var request = EnvelopeCodec.CreateEnvelope(
                new EuKeyAssignmentRequest { PneId = "pne-evil-" + session, PairingId = ByteString.CopyFrom(pairingId), PnePublicKey = ByteString.CopyFrom([0x04, .. p.Q.X!, .. p.Q.Y!]) },
                "pne-evil-" + session);
            await channel.SendAsync(EnvelopeCodec.Encode(request), Ct);
            Assert.Equal(Status.Ok, EnvelopeCodec.Decode(await channel.ReceiveAsync(TimeSpan.FromSeconds(5), Ct)).EuKeyAssignmentResponse.Status);
            for (var guess = 0; guess < 4; guess++)
            {
                var confirm = EnvelopeCodec.CreateEnvelope(
                    new EuKeyAssignmentConfirm { PairingId = ByteString.CopyFrom(pairingId), PneConfirmation = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(32)), CertificateSigningRequest = ByteString.CopyFrom([0x30, 0x00]) },
                    "pne-evil-" + session,
                    request);
                await channel.SendAsync(EnvelopeCodec.Encode(confirm), Ct);
                statuses.Add(EnvelopeCodec.Decode(await channel.ReceiveAsync(TimeSpan.FromSeconds(5), Ct)).EuKeyAssignmentComplete.Status);
            }
        }

        // Never accepted; the first guesses are wrong codes, then the session is closed.
        Assert.DoesNotContain(Status.Ok, statuses);
        Assert.Equal(Status.AuthenticationFailed, statuses[0]);
        Assert.Equal(Status.Rejected, statuses[3]);
        Assert.Equal(8, metrics.Sum("cpns.gateway.pne_input.refused", ("reason", "PairingRefused")));
        Assert.True(metrics.Sum("cpns.gateway.pairing.failures", ("reason", "WrongCode"), ("stage", "confirm")) >= 3);
        Assert.True(metrics.Sum("cpns.gateway.pairing.failures", ("stage", "confirm")) == 8, metrics.Dump());
        Assert.True(bed.Logs.Has(2004, "refused: WrongCode"), "the wrong code logged as the reason");
        Assert.True(bed.Logs.Has(6002, "PairingRefused"), "the gateway's refusal logged");
        Assert.DoesNotContain(bed.Logs.Texts, t => codes.Any(c => t.Contains(c, StringComparison.Ordinal) || t.Contains(c.Replace("-", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal)));
        Assert.DoesNotContain((await node.Host.GetStatusAsync(Ct)).Pnes, x => x.PneId.StartsWith("pne-evil", StringComparison.Ordinal));
    }
}

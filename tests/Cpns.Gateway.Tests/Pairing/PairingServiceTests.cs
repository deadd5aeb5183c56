using Cpns.Crypto;
using Cpns.Gateway.Pairing;
using Cpns.Gateway.Tests.TestSupport;
using System.Security.Cryptography;

namespace Cpns.Gateway.Tests.Pairing;

public sealed class PairingServiceTests
{
    private static readonly byte[] Csr = GatewayHarness.TestCsr;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Confirm_RightCode_RegistersPneWithSharedEuKey()
    {
        await using var gw = await GatewayHarness.StartAsync();

        using var pne = await gw.PairAsync("watch", alias: "Alice's watch");

        var inventory = await gw.Registry.GetInventoryAsync(Ct);
        var entry = Assert.Single(inventory.Pnes);
        Assert.Equal(("watch", "Alice's watch", false, false), (entry.PneId, entry.Alias, entry.HasGkdk, entry.Removed));
        Assert.Equal(gw.Time.GetUtcNow(), entry.RegisteredAt);
        // Both sides hold the same EU-Key: the GKDK the gateway wraps under its copy opens with the PNE's.
        await gw.AssignGkdkAsync(pne);
        Assert.Equal(0, pne.Gkdk!.Leaf);
        Assert.Equal(0, gw.Pairing.PendingCount);
    }

    [Fact]
    public async Task Request_Answer_CarriesIdentitiesAndCommittedKey()
    {
        await using var gw = await GatewayHarness.StartAsync();
        var ticket = gw.Pairing.StartPairing();
        using var device = DevicePairing.Start("watch", ticket.Code);

        var answer = await gw.Pairing.HandleRequestAsync(device.PairingId, "watch", device.PublicKey, Ct);

        Assert.Equal(PairingStatus.Success, answer.Status);
        Assert.Equal((GatewayHarness.PnId, GatewayHarness.GatewayId), (answer.PnId, answer.GatewayId));
        Assert.Equal(ticket.PairingId.ToArray(), device.PairingId.ToArray());
        Assert.True(device.TryAcceptGateway(answer.PnId!, answer.GatewayId!, answer.GatewayPublicKey.Span, out _));
    }

    [Fact]
    public async Task Confirm_WrongCode_RefusedWrongCodeAndNothingRegistered()
    {
        await using var gw = await GatewayHarness.StartAsync();
        var ticket = gw.Pairing.StartPairing();
        using var device = DevicePairing.Start("watch", ticket.Code);

        // Someone who knows the session number but not the secret digits guesses a confirmation.
        var result = await gw.Pairing.ConfirmAsync(ticket.PairingId, "watch", device.PublicKey, RandomNumberGenerator.GetBytes(32), Csr, Ct);

        Assert.Equal(PairingStatus.WrongCode, result.Status);
        Assert.True(result.GatewayConfirmation.IsEmpty);
        Assert.Empty((await gw.Registry.GetInventoryAsync(Ct)).Pnes);
    }

    [Fact]
    public async Task Confirm_MistypedCodeOnDevice_DeviceRefusesGatewayKey()
    {
        await using var gw = await GatewayHarness.StartAsync();
        var ticket = gw.Pairing.StartPairing();
        var digits = ticket.Code.Replace("-", string.Empty, StringComparison.Ordinal).ToCharArray();
        digits[5] = digits[5] == '9' ? '0' : (char)(digits[5] + 1);
        using var device = DevicePairing.Start("watch", new string(digits));

        var answer = await gw.Pairing.HandleRequestAsync(device.PairingId, "watch", device.PublicKey, Ct);

        Assert.Equal(PairingStatus.Success, answer.Status);
        Assert.False(device.TryAcceptGateway(answer.PnId!, answer.GatewayId!, answer.GatewayPublicKey.Span, out _));
    }

    [Fact]
    public async Task Confirm_AfterExpiry_RefusedExpired()
    {
        await using var gw = await GatewayHarness.StartAsync();
        var ticket = gw.Pairing.StartPairing();
        Assert.Equal(gw.Time.GetUtcNow() + TimeSpan.FromMinutes(5), ticket.ExpiresAt);
        using var device = DevicePairing.Start("watch", ticket.Code);
        var answer = await gw.Pairing.HandleRequestAsync(device.PairingId, "watch", device.PublicKey, Ct);
        Assert.True(device.TryAcceptGateway(answer.PnId!, answer.GatewayId!, answer.GatewayPublicKey.Span, out var confirmation));

        gw.Time.Advance(TimeSpan.FromMinutes(5));
        var result = await gw.Pairing.ConfirmAsync(device.PairingId, "watch", device.PublicKey, confirmation, Csr, Ct);
        var request = await gw.Pairing.HandleRequestAsync(device.PairingId, "watch", device.PublicKey, Ct);

        Assert.Equal(PairingStatus.Expired, result.Status);
        Assert.Equal(PairingStatus.Expired, request.Status);
        Assert.Empty((await gw.Registry.GetInventoryAsync(Ct)).Pnes);
    }

    [Fact]
    public async Task Confirm_SessionAlreadyUsed_RefusedAlreadyUsed()
    {
        await using var gw = await GatewayHarness.StartAsync();
        var ticket = gw.Pairing.StartPairing();
        using var device = DevicePairing.Start("watch", ticket.Code);
        var answer = await gw.Pairing.HandleRequestAsync(device.PairingId, "watch", device.PublicKey, Ct);
        Assert.True(device.TryAcceptGateway(answer.PnId!, answer.GatewayId!, answer.GatewayPublicKey.Span, out var confirmation));
        Assert.Equal(PairingStatus.Success, (await gw.Pairing.ConfirmAsync(device.PairingId, "watch", device.PublicKey, confirmation, Csr, Ct)).Status);

        // The same code again, from a second device.
        using var second = DevicePairing.Start("speaker", ticket.Code);
        var replay = await gw.Pairing.ConfirmAsync(device.PairingId, "watch", device.PublicKey, confirmation, Csr, Ct);
        var reuse = await gw.Pairing.HandleRequestAsync(second.PairingId, "speaker", second.PublicKey, Ct);

        Assert.Equal(PairingStatus.DuplicatePne, replay.Status);
        Assert.Equal(PairingStatus.AlreadyUsed, reuse.Status);
        var reuseConfirm = await gw.Pairing.ConfirmAsync(second.PairingId, "speaker", second.PublicKey, RandomNumberGenerator.GetBytes(32), Csr, Ct);
        Assert.Equal(PairingStatus.AlreadyUsed, reuseConfirm.Status);
    }

    [Fact]
    public async Task Confirm_ThreeWrongAttempts_SessionDeadEvenForRightCode()
    {
        await using var gw = await GatewayHarness.StartAsync();
        var ticket = gw.Pairing.StartPairing();
        using var device = DevicePairing.Start("watch", ticket.Code);
        var answer = await gw.Pairing.HandleRequestAsync(device.PairingId, "watch", device.PublicKey, Ct);
        Assert.True(device.TryAcceptGateway(answer.PnId!, answer.GatewayId!, answer.GatewayPublicKey.Span, out var confirmation));

        for (var i = 0; i < 3; i++)
        {
            var wrong = await gw.Pairing.ConfirmAsync(ticket.PairingId, "watch", device.PublicKey, RandomNumberGenerator.GetBytes(32), Csr, Ct);
            Assert.Equal(PairingStatus.WrongCode, wrong.Status);
        }

        var right = await gw.Pairing.ConfirmAsync(ticket.PairingId, "watch", device.PublicKey, confirmation, Csr, Ct);

        Assert.Equal(PairingStatus.RateLimited, right.Status);
        Assert.Empty((await gw.Registry.GetInventoryAsync(Ct)).Pnes);
    }

    [Fact]
    public async Task Confirm_GlobalWrongAttemptLimit_RateLimitedUntilMinutePasses()
    {
        await using var gw = await GatewayHarness.StartAsync(o => o.MaxWrongConfirmationsPerMinute = 4);
        var a = gw.Pairing.StartPairing();
        var b = gw.Pairing.StartPairing();
        using var device = DevicePairing.Start("watch", b.Code);
        var answer = await gw.Pairing.HandleRequestAsync(device.PairingId, "watch", device.PublicKey, Ct);
        Assert.True(device.TryAcceptGateway(answer.PnId!, answer.GatewayId!, answer.GatewayPublicKey.Span, out var confirmation));
        foreach (var ticket in new[] { a, a, b, b })
        {
            var wrong = await gw.Pairing.ConfirmAsync(ticket.PairingId, "guess", device.PublicKey, RandomNumberGenerator.GetBytes(32), Csr, Ct);
            Assert.Equal(PairingStatus.WrongCode, wrong.Status);
        }

        var limited = await gw.Pairing.ConfirmAsync(b.PairingId, "watch", device.PublicKey, confirmation, Csr, Ct);
        gw.Time.Advance(TimeSpan.FromMinutes(1));
        var accepted = await gw.Pairing.ConfirmAsync(b.PairingId, "watch", device.PublicKey, confirmation, Csr, Ct);

        Assert.Equal(PairingStatus.RateLimited, limited.Status);
        Assert.Equal(PairingStatus.Success, accepted.Status);
    }

    [Fact]
    public async Task Pairing_DuplicatePneId_RefusedDuplicatePne()
    {
        await using var gw = await GatewayHarness.StartAsync();
        using var first = await gw.PairAsync("watch");
        var ticket = gw.Pairing.StartPairing();
        using var device = DevicePairing.Start("watch", ticket.Code);

        var request = await gw.Pairing.HandleRequestAsync(device.PairingId, "watch", device.PublicKey, Ct);

        Assert.Equal(PairingStatus.DuplicatePne, request.Status);
        await gw.Registry.RemovePneAsync("watch", Ct);
        // A removed PNE's id is never registered again either.
        Assert.Equal(PairingStatus.DuplicatePne, (await gw.Pairing.HandleRequestAsync(device.PairingId, "watch", device.PublicKey, Ct)).Status);
        Assert.Equal(PairingStatus.DuplicatePne, (await gw.Pairing.ConfirmAsync(device.PairingId, "watch", device.PublicKey, new byte[32], Csr, Ct)).Status);
    }

    [Fact]
    public async Task Pairing_TheGatewaysOwnId_RefusedDuplicatePneAndNothingRegistered()
    {
        // The PN broker's ACL grants a certificate of the gateway's name the whole PN: no PNE may be issued one.
        await using var gw = await GatewayHarness.StartAsync();
        var ticket = gw.Pairing.StartPairing();
        using var device = DevicePairing.Start(GatewayHarness.GatewayId, ticket.Code);

        var request = await gw.Pairing.HandleRequestAsync(device.PairingId, GatewayHarness.GatewayId, device.PublicKey, Ct);
        var confirm = await gw.Pairing.ConfirmAsync(device.PairingId, GatewayHarness.GatewayId, device.PublicKey, new byte[32], Csr, Ct);

        Assert.Equal((PairingStatus.DuplicatePne, PairingStatus.DuplicatePne), (request.Status, confirm.Status));
        Assert.True(confirm.GatewayConfirmation.IsEmpty);
        Assert.Empty((await gw.Registry.GetInventoryAsync(Ct)).Pnes);
        // The session is untouched: the same code still pairs a PNE of another name.
        using var other = DevicePairing.Start("watch", ticket.Code);
        Assert.Equal(PairingStatus.Success, (await gw.Pairing.HandleRequestAsync(other.PairingId, "watch", other.PublicKey, Ct)).Status);
    }

    [Fact]
    public async Task Request_UnknownPairingId_RefusedUnknownSession()
    {
        await using var gw = await GatewayHarness.StartAsync();
        using var device = DevicePairing.Start("watch", "4200-0000-0000-0000");

        var request = await gw.Pairing.HandleRequestAsync(device.PairingId, "watch", device.PublicKey, Ct);
        var garbage = await gw.Pairing.HandleRequestAsync(new byte[16], "watch", device.PublicKey, Ct);

        Assert.Equal(PairingStatus.UnknownSession, request.Status);
        Assert.Equal(PairingStatus.UnknownSession, garbage.Status);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(64)]
    [InlineData(65)]
    public async Task Request_InvalidPublicKey_RefusedInvalidKey(int length)
    {
        await using var gw = await GatewayHarness.StartAsync();
        var ticket = gw.Pairing.StartPairing();
        var key = new byte[length];
        if (length > 0)
        {
            key[0] = 0x04;
            key[1] = 0x01; // (1, 0) is not on P-256.
        }

        var request = await gw.Pairing.HandleRequestAsync(ticket.PairingId, "watch", key, Ct);
        var confirm = await gw.Pairing.ConfirmAsync(ticket.PairingId, "watch", key, new byte[32], Csr, Ct);

        Assert.Equal(PairingStatus.InvalidKey, request.Status);
        Assert.Equal(PairingStatus.InvalidKey, confirm.Status);
    }

    [Fact]
    public async Task StartPairing_HundredSessionsPending_NoMoreUntilOneExpires()
    {
        await using var gw = await GatewayHarness.StartAsync();
        var sessions = Enumerable.Range(0, 100).Select(_ => gw.Pairing.StartPairing().Session).ToList();

        Assert.Equal(Enumerable.Range(0, 100), sessions.Order());
        Assert.Throws<InvalidOperationException>(() => gw.Pairing.StartPairing());
        gw.Time.Advance(TimeSpan.FromMinutes(6));
        Assert.InRange(gw.Pairing.StartPairing().Session, 0, 99);
    }

    [Fact]
    public async Task Pairing_Anything_CodeNeverLogged()
    {
        var logs = new ListLoggerProvider();
        await using var gw = await GatewayHarness.StartAsync(loggerFactory: logs);
        var ticket = gw.Pairing.StartPairing("speaker");
        using var device = DevicePairing.Start("speaker", ticket.Code);
        await gw.Pairing.ConfirmAsync(ticket.PairingId, "speaker", device.PublicKey, new byte[32], Csr, Ct);
        using var pne = await gw.PairAsync("watch");

        var secretDigits = ticket.Code.Replace("-", string.Empty, StringComparison.Ordinal)[2..10];
        Assert.NotEmpty(logs.Entries);
        Assert.DoesNotContain(logs.Entries, e => e.Message.Contains(secretDigits, StringComparison.Ordinal) || e.Message.Contains(ticket.Code, StringComparison.Ordinal));
        Assert.DoesNotContain(ticket.Code, ticket.ToString(), StringComparison.Ordinal);
        Assert.Contains(logs.Entries, e => e.EventId.Id == 2004 && e.Message.Contains("WrongCode", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Confirm_WithIssuer_ReturnsCertificateOrCertificateRefused()
    {
        var issuer = new FakeIssuer();
        await using var gw = await GatewayHarness.StartAsync(issuer: issuer);

        using var pne = await gw.PairAsync("watch");
        Assert.Equal([1], gw.LastCertificate!.CertificateDer.ToArray());
        Assert.Equal([2], gw.LastCertificate!.CaCertificateDer.ToArray());
        issuer.Refuse = true;
        var ticket = gw.Pairing.StartPairing();
        using var device = DevicePairing.Start("speaker", ticket.Code);
        var answer = await gw.Pairing.HandleRequestAsync(device.PairingId, "speaker", device.PublicKey, Ct);
        Assert.True(device.TryAcceptGateway(answer.PnId!, answer.GatewayId!, answer.GatewayPublicKey.Span, out var confirmation));
        var refused = await gw.Pairing.ConfirmAsync(device.PairingId, "speaker", device.PublicKey, confirmation, Csr, Ct);

        Assert.Equal(["watch", "speaker"], issuer.Requests);
        Assert.Equal(PairingStatus.CertificateRefused, refused.Status);
        Assert.Equal(["watch"], (await gw.Registry.GetInventoryAsync(Ct)).Pnes.Select(p => p.PneId));
    }

    private sealed class FakeIssuer : IPneCertificateIssuer
    {
        public bool Refuse { get; set; }

        public List<string> Requests { get; } = [];

        public ValueTask<IssuedPneCertificate?> IssueAsync(string pneId, ReadOnlyMemory<byte> csrDer, CancellationToken cancellationToken)
        {
            Requests.Add(pneId);
            Assert.Equal(Csr, csrDer.ToArray());
            return ValueTask.FromResult(Refuse ? null : new IssuedPneCertificate(new byte[] { 1 }, new byte[] { 2 }));
        }
    }
}

using System.Security.Cryptography;

namespace Cpns.Crypto.Tests;

public sealed class PairingTests
{
    [Fact]
    public void Pairing_RightCode_BothSidesHoldTheSameEuKey()
    {
        using var gateway = GatewayPairing.Start("pn-home", "gw-home", 7);
        using var device = DevicePairing.Start("pne-watch", gateway.Code);

        Assert.Equal(gateway.PairingId.ToArray(), device.PairingId.ToArray());
        Assert.True(device.TryAcceptGateway("pn-home", "gw-home", gateway.PublicKey.Span, out var pneConfirmation));
        Assert.True(gateway.TryConfirm("pne-watch", device.PublicKey.Span, pneConfirmation, out var gatewayEuKey, out var gatewayConfirmation));
        Assert.True(device.TryFinish(gatewayConfirmation, out var deviceEuKey));

        using (gatewayEuKey)
        using (deviceEuKey)
        {
            var sealedValue = gatewayEuKey.Seal("gkdk"u8, "ad"u8);
            Assert.True(deviceEuKey.TryOpen(sealedValue, "ad"u8, new byte[4], out _));
        }
    }

    [Fact]
    public void TryAcceptGateway_KeySubstitutedByAManInTheMiddle_IsRefused()
    {
        using var gateway = GatewayPairing.Start("pn-home", "gw-home", 1);
        using var attacker = GatewayPairing.Start("pn-home", "gw-home", 1);
        using var device = DevicePairing.Start("pne-watch", gateway.Code);

        Assert.False(device.TryAcceptGateway("pn-home", "gw-home", attacker.PublicKey.Span, out _));
    }

    [Fact]
    public void TryAcceptGateway_MistypedCode_IsRefused()
    {
        using var gateway = GatewayPairing.Start("pn-home", "gw-home", 1);
        var code = gateway.Code.ToCharArray();
        code[6] = code[6] == '9' ? '0' : (char)(code[6] + 1);
        using var device = DevicePairing.Start("pne-watch", new string(code));

        Assert.False(device.TryAcceptGateway("pn-home", "gw-home", gateway.PublicKey.Span, out _));
    }

    [Fact]
    public void TryConfirm_DeviceThatDoesNotKnowTheCode_IsRefused()
    {
        using var gateway = GatewayPairing.Start("pn-home", "gw-home", 3);
        using var impostor = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);

        for (var attempt = 0; attempt < 20; attempt++)
        {
            Assert.False(gateway.TryConfirm("pne-evil", PairingKeys.ExportPublicKey(impostor), RandomNumberGenerator.GetBytes(32), out _, out _));
        }
    }

    [Fact]
    public void TryConfirm_IdentityDiffersFromWhatTheDeviceBound_IsRefused()
    {
        using var gateway = GatewayPairing.Start("pn-home", "gw-home", 3);
        using var device = DevicePairing.Start("pne-watch", gateway.Code);
        Assert.True(device.TryAcceptGateway("pn-home", "gw-home", gateway.PublicKey.Span, out var confirmation));

        Assert.False(gateway.TryConfirm("pne-other", device.PublicKey.Span, confirmation, out _, out _));
    }

    [Fact]
    public void TryConfirm_MalformedPublicKeys_AreRefused()
    {
        using var gateway = GatewayPairing.Start("pn", "gw", 0);
        var offCurve = new byte[65];
        offCurve[0] = 4;
        offCurve[64] = 1;
        var confirmation = new byte[32];

        Assert.False(gateway.TryConfirm("pne", offCurve, confirmation, out _, out _));
        Assert.False(gateway.TryConfirm("pne", new byte[64], confirmation, out _, out _));
        Assert.False(gateway.TryConfirm("pne", gateway.PublicKey.Span, new byte[31], out _, out _));
    }

    [Fact]
    public void TryFinish_ForgedGatewayConfirmation_IsRefused()
    {
        using var gateway = GatewayPairing.Start("pn", "gw", 5);
        using var device = DevicePairing.Start("pne", gateway.Code);
        Assert.True(device.TryAcceptGateway("pn", "gw", gateway.PublicKey.Span, out _));

        Assert.False(device.TryFinish(RandomNumberGenerator.GetBytes(32), out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("1234-5678")]
    [InlineData("1234-5678-9012-345a")]
    [InlineData("1234-5678-9012-34567")]
    public void Start_MalformedCode_ThrowsFormatException(string code) =>
        Assert.Throws<FormatException>(() => DevicePairing.Start("pne", code));

    [Fact]
    public void Code_HasFourGroupsAndStartsWithTheSession()
    {
        using var gateway = GatewayPairing.Start("pn", "gw", 42);

        Assert.Matches(@"^42\d\d-\d{4}-\d{4}-\d{4}$", gateway.Code);
        Assert.DoesNotContain(gateway.Code, gateway.ToString(), StringComparison.Ordinal);
    }
}

using System.Security.Cryptography;
using Cpns.Crypto;
using Cpns.Gateway.Pairing;

namespace Cpns.Fuzz.Targets;

/// <summary>
/// The key material of the EU-Key Assignment messages, as both sides receive it: the PNE's public key (gateway:
/// <see cref="PneKeyValidator"/>, <see cref="GatewayPairing.TryConfirm"/>), the gateway's public key
/// (<see cref="DevicePairing.TryAcceptGateway"/>) and either confirmation. None throws; the two public-key checks agree.
/// Input layout: a 65-byte public key, then the confirmation.
/// </summary>
internal sealed class PairingKeysTarget : FuzzTarget
{
    private const int KeyLength = 65;
    private readonly GatewayPairing _gateway = GatewayPairing.Start("pn-fuzz", "gw-fuzz", 7);

    public override string Name => "pairing-keys";

    public override string Description => "PairingKeys.TryImportPublicKey, PneKeyValidator.IsValid, GatewayPairing.TryConfirm, DevicePairing.TryAcceptGateway/TryFinish (no exception)";

    public override void Run(ReadOnlySpan<byte> input)
    {
        var key = input[..Math.Min(KeyLength, input.Length)];
        var confirmation = input[key.Length..];
        var imported = PairingKeys.TryImportPublicKey(key, out var publicKey);
        publicKey?.Dispose();
        Check(imported == PneKeyValidator.IsValid(key), "the gateway's and the crypto core's public key checks agree");

        if (_gateway.TryConfirm("pne-fuzz", key, confirmation, out var euKey, out _))
        {
            euKey.Dispose();
        }

        // A fresh device session per input: TryAcceptGateway keeps what it derived for TryFinish.
        using var device = DevicePairing.Start("pne-fuzz", _gateway.Code);
        if (device.TryAcceptGateway("pn-fuzz", "gw-fuzz", key, out var pneConfirmation))
        {
            CryptographicOperations.ZeroMemory(pneConfirmation);
        }

        if (device.TryFinish(confirmation, out var deviceEuKey))
        {
            deviceEuKey.Dispose();
        }
    }

    public override IEnumerable<KeyValuePair<string, byte[]>> Seeds()
    {
        using var device = DevicePairing.Start("pne-fuzz", _gateway.Code);
        yield return new("valid-gateway-key", [.. _gateway.PublicKey.Span, .. new byte[32]]);
        yield return new("valid-pne-key", [.. device.PublicKey.Span, .. new byte[32]]);
        byte[] offCurve = [0x04, .. new byte[64]];
        offCurve[64] = 1;
        yield return new("edge-off-curve", [.. offCurve, .. new byte[32]]);
        yield return new("edge-compressed", [0x02, .. new byte[32]]);
        byte[] beyondField = [0x04, .. Enumerable.Repeat((byte)0xFF, 64)];
        yield return new("edge-coordinates-beyond-field", [.. beyondField, .. new byte[32]]);
    }
}

using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Cpns.Crypto;

/// <summary>
/// The PNE's side of its registration in a PN (EU-Key assignment): built from the code the user
/// entered, it checks that the gateway's public key is the one the code commits to (so a
/// man in the middle is detected before any secret is used), proves the code's secret digits, and
/// finally checks the gateway's proof and yields the EU-Key.
/// </summary>
public sealed class DevicePairing : IDisposable
{
    private readonly ECDiffieHellman _keyPair;
    private readonly PairingCode _code;
    private readonly byte[] _publicKey;
    private byte[]? _keys;
    private bool _disposed;

    private DevicePairing(string pneId, PairingCode code)
    {
        PneId = pneId;
        _code = code;
        _keyPair = PairingKeys.CreateKeyPair();
        _publicKey = PairingKeys.ExportPublicKey(_keyPair);
        PairingId = PairingCode.PairingId(code.Session);
    }

    /// <summary>This PNE's id.</summary>
    public string PneId { get; }

    /// <summary>The pairing session's public id, from the code's session number.</summary>
    public ReadOnlyMemory<byte> PairingId { get; }

    /// <summary>The session number the code starts with.</summary>
    public int Session => _code.Session;

    /// <summary>This PNE's ephemeral public key (65 bytes), sent in the EU-Key Assignment Request.</summary>
    public ReadOnlyMemory<byte> PublicKey => _publicKey;

    /// <summary>Starts pairing with the code the user entered.</summary>
    /// <exception cref="FormatException">The code is not 16 digits (dashes and spaces allowed).</exception>
    public static DevicePairing Start(string pneId, string code)
    {
        ArgumentException.ThrowIfNullOrEmpty(pneId);
        ArgumentNullException.ThrowIfNull(code);
        if (!PairingCode.TryParse(code, out var parsed))
        {
            throw new FormatException("A pairing code is 16 digits, as the gateway shows it (for example 1234-5678-9012-3456).");
        }

        return new DevicePairing(pneId, parsed!);
    }

    /// <summary>
    /// Accepts the gateway's answer. Returns false when its public key is not the one the code
    /// commits to (a wrong code, or someone else answering); otherwise returns this PNE's confirmation.
    /// </summary>
    public bool TryAcceptGateway(string pnId, string gatewayId, ReadOnlySpan<byte> gatewayPublicKey, [NotNullWhen(true)] out byte[]? pneConfirmation)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentException.ThrowIfNullOrEmpty(pnId);
        ArgumentException.ThrowIfNullOrEmpty(gatewayId);
        pneConfirmation = null;
        if (!_code.Commits(gatewayPublicKey) || !PairingKeys.TryImportPublicKey(gatewayPublicKey, out var peer))
        {
            return false;
        }

        _keys = GC.AllocateArray<byte>(64, pinned: true);
        using (peer)
        {
            PairingKeys.Derive(_keyPair, peer!, PairingId.Span, pnId, gatewayId, PneId, _publicKey, gatewayPublicKey, _keys);
        }

        pneConfirmation = new byte[PairingKeys.ConfirmationSize];
        PairingKeys.Confirmation(_keys.AsSpan(0, 32), fromGateway: false, _code.Secret, pneConfirmation);
        return true;
    }

    /// <summary>Checks the gateway's confirmation; on success returns the EU-Key.</summary>
    public bool TryFinish(ReadOnlySpan<byte> gatewayConfirmation, [NotNullWhen(true)] out WrappingKey? euKey)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        euKey = null;
        if (_keys is null || gatewayConfirmation.Length != PairingKeys.ConfirmationSize)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[PairingKeys.ConfirmationSize];
        PairingKeys.Confirmation(_keys.AsSpan(0, 32), fromGateway: true, _code.Secret, expected);
        var ok = CryptographicOperations.FixedTimeEquals(expected, gatewayConfirmation);
        CryptographicOperations.ZeroMemory(expected);
        if (ok)
        {
            euKey = WrappingKey.Import(_keys.AsSpan(32));
        }

        return ok;
    }

    /// <summary>Destroys the ephemeral key and the derived keys.</summary>
    public void Dispose()
    {
        _disposed = true;
        _keyPair.Dispose();
        if (_keys is not null)
        {
            CryptographicOperations.ZeroMemory(_keys);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"DevicePairing(pne={PneId}, session={Session})";
}

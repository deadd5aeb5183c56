using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Cpns.Crypto;

/// <summary>
/// The PN Gateway's side of one PNE registration (EU-Key assignment). <see cref="Start"/> makes an
/// ephemeral P-256 key pair and the <see cref="Code"/> to show the user; the gateway sends
/// <see cref="PublicKey"/> to the PNE that asks, then <see cref="TryConfirm"/> checks the PNE's proof
/// of the code and yields the EU-Key. The caller enforces expiry, single use and attempt limits.
/// </summary>
public sealed class GatewayPairing : IDisposable
{
    private readonly ECDiffieHellman _keyPair;
    private readonly PairingCode _code;
    private readonly byte[] _publicKey;
    private bool _disposed;

    private GatewayPairing(string pnId, string gatewayId, int session)
    {
        PnId = pnId;
        GatewayId = gatewayId;
        _keyPair = PairingKeys.CreateKeyPair();
        _publicKey = PairingKeys.ExportPublicKey(_keyPair);
        _code = PairingCode.Create(session, _publicKey);
        PairingId = PairingCode.PairingId(session);
    }

    /// <summary>The PN being joined.</summary>
    public string PnId { get; }

    /// <summary>The gateway's id.</summary>
    public string GatewayId { get; }

    /// <summary>The public 16-byte id of this pairing session on the wire.</summary>
    public ReadOnlyMemory<byte> PairingId { get; }

    /// <summary>The gateway's ephemeral public key (65-byte uncompressed P-256 point).</summary>
    public ReadOnlyMemory<byte> PublicKey => _publicKey;

    /// <summary>The code to show the user, "SSRR-RRRR-RRCC-CCCC". Secret: show it, never log it.</summary>
    public string Code => _code.Text;

    /// <summary>The public session number, 0 to 99, that the code starts with.</summary>
    public int Session => _code.Session;

    /// <summary>Starts a pairing session.</summary>
    /// <param name="pnId">The PN id.</param>
    /// <param name="gatewayId">The gateway id.</param>
    /// <param name="session">A session number 0 to 99 not used by another pending pairing of this gateway.</param>
    public static GatewayPairing Start(string pnId, string gatewayId, int session)
    {
        ArgumentException.ThrowIfNullOrEmpty(pnId);
        ArgumentException.ThrowIfNullOrEmpty(gatewayId);
        ArgumentOutOfRangeException.ThrowIfNegative(session);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(session, PairingCode.SessionCount);
        return new GatewayPairing(pnId, gatewayId, session);
    }

    /// <summary>Returns the pairing id of a session number, so a gateway can route a request to its session.</summary>
    public static byte[] PairingIdOf(int session) => PairingCode.PairingId(session);

    /// <summary>
    /// Checks the PNE's confirmation (its proof that it knows the code's secret digits, bound to both
    /// public keys and every identity). On success returns the EU-Key and the gateway's confirmation
    /// to send back; on failure returns false and learns nothing usable for the next attempt.
    /// </summary>
    public bool TryConfirm(
        string pneId,
        ReadOnlySpan<byte> pnePublicKey,
        ReadOnlySpan<byte> pneConfirmation,
        [NotNullWhen(true)] out WrappingKey? euKey,
        [NotNullWhen(true)] out byte[]? gatewayConfirmation)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentException.ThrowIfNullOrEmpty(pneId);
        euKey = null;
        gatewayConfirmation = null;
        if (pneConfirmation.Length != PairingKeys.ConfirmationSize || !PairingKeys.TryImportPublicKey(pnePublicKey, out var peer))
        {
            return false;
        }

        Span<byte> keys = stackalloc byte[64];
        Span<byte> expected = stackalloc byte[PairingKeys.ConfirmationSize];
        try
        {
            using (peer)
            {
                PairingKeys.Derive(_keyPair, peer!, PairingId.Span, PnId, GatewayId, pneId, pnePublicKey, _publicKey, keys);
            }

            PairingKeys.Confirmation(keys[..32], fromGateway: false, _code.Secret, expected);
            if (!CryptographicOperations.FixedTimeEquals(expected, pneConfirmation))
            {
                return false;
            }

            gatewayConfirmation = new byte[PairingKeys.ConfirmationSize];
            PairingKeys.Confirmation(keys[..32], fromGateway: true, _code.Secret, gatewayConfirmation);
            euKey = WrappingKey.Import(keys[32..]);
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keys);
            CryptographicOperations.ZeroMemory(expected);
        }
    }

    /// <summary>Destroys the ephemeral key.</summary>
    public void Dispose()
    {
        _disposed = true;
        _keyPair.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"GatewayPairing(pn={PnId}, session={Session})";
}

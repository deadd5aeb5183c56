namespace Cpns.Transport;

/// <summary>Who a broker connection belongs to, as the broker established it at connect time.</summary>
/// <param name="Kind">How the peer was authenticated.</param>
/// <param name="Id">The certificate CN (gateway id, PNE id, server identity) or the pairing id.</param>
public readonly record struct PeerIdentity(PeerKind Kind, string Id)
{
    /// <summary>Reads the identity back from an MQTT client id the broker accepted (see <see cref="MqttBroker"/>).</summary>
    internal static PeerIdentity? FromClientId(string? clientId)
    {
        if (clientId is null)
        {
            return null;
        }

        if (clientId.StartsWith(Topics.PairingClientIdPrefix, StringComparison.Ordinal))
        {
            var pairingId = clientId[Topics.PairingClientIdPrefix.Length..];
            return Topics.IsValidId(pairingId) ? new PeerIdentity(PeerKind.Pairing, pairingId) : null;
        }

        return Topics.IsValidId(clientId) ? new PeerIdentity(PeerKind.Certificate, clientId) : null;
    }

    /// <summary>For logs: <c>cert:gw-1</c> or <c>pairing:abc</c>.</summary>
    /// <returns>The text form.</returns>
    public override string ToString() => (Kind == PeerKind.Pairing ? "pairing:" : "cert:") + Id;
}

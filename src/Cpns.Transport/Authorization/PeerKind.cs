namespace Cpns.Transport;

/// <summary>How the broker authenticated a peer.</summary>
public enum PeerKind
{
    /// <summary>TLS client certificate from the broker's CA; the identity is its CN.</summary>
    Certificate = 1,

    /// <summary>
    /// Unauthenticated client on the pairing listener; the identity is the pairing id taken from its MQTT
    /// client id <c>pairing/{pairingId}</c>. The pairing protocol authenticates it, not TLS.
    /// </summary>
    Pairing,
}

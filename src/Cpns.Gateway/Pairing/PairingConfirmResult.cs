namespace Cpns.Gateway.Pairing;

/// <summary>
/// The gateway's answer to an EU-Key Assignment Confirm (docs/pairing.md step 5). On success the PNE
/// is registered with its EU-Key, and the answer carries the gateway's confirmation and, when an
/// issuer is configured, the PNE's PN client certificate.
/// </summary>
/// <param name="Status">The outcome.</param>
/// <param name="PneId">The PNE that confirmed.</param>
/// <param name="GatewayConfirmation">HMAC(K_m, "gw\0" ‖ R) for the PNE to check; empty on failure.</param>
/// <param name="Certificate">The issued certificate, or null (no issuer, or failure).</param>
public sealed record PairingConfirmResult(PairingStatus Status, string PneId, ReadOnlyMemory<byte> GatewayConfirmation, IssuedPneCertificate? Certificate);

namespace Cpns.Gateway.Pairing;

/// <summary>
/// The gateway's answer to an EU-Key Assignment Request (docs/pairing.md step 2): its identities and
/// ephemeral public key, none of which depends on the code's secret digits.
/// </summary>
/// <param name="Status">The outcome; the other fields are set only on <see cref="PairingStatus.Success"/>.</param>
/// <param name="PnId">The PN id.</param>
/// <param name="GatewayId">The gateway id.</param>
/// <param name="GatewayPublicKey">The gateway's ephemeral P-256 public key (65 bytes).</param>
public sealed record PairingRequestResult(PairingStatus Status, string? PnId, string? GatewayId, ReadOnlyMemory<byte> GatewayPublicKey);

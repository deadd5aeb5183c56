namespace Cpns.Transport;

/// <summary>A topic name taken apart by <see cref="Topics.TryParse(string?, out ParsedTopic)"/>.</summary>
/// <param name="Kind">Which topic it is.</param>
/// <param name="PnId">The PN id, for the <c>cpns/v1/pn/...</c> topics.</param>
/// <param name="GatewayId">The gateway id, for the <c>gw</c> and <c>relay</c> topics.</param>
/// <param name="GroupId">The Service Group id, for <c>relay</c>, <c>groups</c> and <c>messages</c>.</param>
/// <param name="PneId">The PNE id, for the <c>pne</c> topics.</param>
/// <param name="PairingId">The pairing id, for the <c>pairing</c> topics.</param>
public readonly record struct ParsedTopic(
    TopicKind Kind,
    string? PnId = null,
    string? GatewayId = null,
    string? GroupId = null,
    string? PneId = null,
    string? PairingId = null);

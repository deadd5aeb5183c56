namespace Cpns.Gateway.Hosting;

/// <summary>What <c>cpns gateway status</c> shows: identities, PNEs, leaves, groups and epochs; never key bytes.</summary>
/// <param name="GatewayId">The gateway id.</param>
/// <param name="PnId">The PN id.</param>
/// <param name="PnEndpoint">The PN broker, <c>mqtts://host:port</c>.</param>
/// <param name="PairingEndpoint">The pairing listener, <c>mqtts://host:port</c>.</param>
/// <param name="PendingPairings">Pairing codes waiting to be used.</param>
/// <param name="Pnes">Every PNE ever registered.</param>
/// <param name="Groups">Every group held, with its latest epoch.</param>
public sealed record GatewayStatus(
    string GatewayId,
    string PnId,
    string PnEndpoint,
    string? PairingEndpoint,
    int PendingPairings,
    IReadOnlyList<GatewayPneStatus> Pnes,
    IReadOnlyList<GatewayGroupStatus> Groups);

/// <summary>One PNE in <see cref="GatewayStatus"/>.</summary>
/// <param name="PneId">The PNE id.</param>
/// <param name="Alias">Its alias, if any.</param>
/// <param name="Leaf">Its leaf, once it has a GKDK.</param>
/// <param name="Removed">True when removed from the PN.</param>
public sealed record GatewayPneStatus(string PneId, string? Alias, int? Leaf, bool Removed);

/// <summary>One group in <see cref="GatewayStatus"/>.</summary>
/// <param name="GroupId">The group.</param>
/// <param name="Epoch">Its latest epoch.</param>
/// <param name="Members">The expected members at that epoch.</param>
/// <param name="Received">How many of them confirmed the key.</param>
public sealed record GatewayGroupStatus(string GroupId, ulong Epoch, int Members, int Received);

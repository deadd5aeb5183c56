namespace Cpns.Gateway.Registry;

/// <summary>One PNE in the PN inventory.</summary>
/// <param name="PneId">The PNE id.</param>
/// <param name="Alias">The alias given at pairing, if any.</param>
/// <param name="HasGkdk">True once the PNE has been assigned its GKDK (flow 6.1.2.2).</param>
/// <param name="RegisteredAt">When the PNE was registered (EU-Key assignment).</param>
/// <param name="Removed">True when the PNE was removed from the PN.</param>
/// <param name="RemovedAt">When it was removed.</param>
public sealed record PnInventoryEntry(string PneId, string? Alias, bool HasGkdk, DateTimeOffset RegisteredAt, bool Removed, DateTimeOffset? RemovedAt);

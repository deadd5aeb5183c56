namespace Cpns.Gateway.Registry;

/// <summary>The PN inventory for the server's PN Inventory Report: every PNE ever registered, removed ones included.</summary>
/// <param name="GatewayId">The gateway.</param>
/// <param name="PnId">The PN.</param>
/// <param name="Pnes">The PNEs, ordered by registration time.</param>
public sealed record PnInventory(string GatewayId, string PnId, IReadOnlyList<PnInventoryEntry> Pnes);

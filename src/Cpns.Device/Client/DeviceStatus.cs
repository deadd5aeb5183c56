using Cpns.Device.Storage;

namespace Cpns.Device.Client;

/// <summary>What <c>cpns device status</c> shows: PN, leaf, groups and epochs; never key bytes.</summary>
/// <param name="PneId">This PNE.</param>
/// <param name="PnId">Its PN, or null before pairing.</param>
/// <param name="GatewayId">Its PN GW, or null before pairing.</param>
/// <param name="Leaf">Its leaf, or null before GKDK assignment.</param>
/// <param name="HasGkdk">Whether it holds a GKDK.</param>
/// <param name="Groups">The groups it knows.</param>
public sealed record DeviceStatus(string PneId, string? PnId, string? GatewayId, int? Leaf, bool HasGkdk, IReadOnlyList<GroupKeyInfo> Groups);

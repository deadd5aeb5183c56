namespace Cpns.Load.Server;

/// <summary>One delivery row of the server (one epoch of one group to one gateway) and the PNE statuses its gateway reported.</summary>
internal sealed record ServerDelivery(ulong Epoch, string GatewayId, string Kind, string Status, DateTime CreatedAt, DateTime? AcknowledgedAt, IReadOnlyList<ServerPneReport> Pnes);

namespace Cpns.Load.Server;

/// <summary>A PNE's status for one delivery, as the gateway's GroupKeyDeliveryReport told the server, and when the server recorded it.</summary>
internal sealed record ServerPneReport(string PneId, string Status, DateTime ReportedAt);

namespace Cpns.Gateway.Delivery;

/// <summary>One affected PNE of a Group Key Delete.</summary>
/// <param name="PneId">The PNE.</param>
/// <param name="AckedAt">When it acknowledged the delete, or null.</param>
public sealed record DeleteAckEntry(string PneId, DateTimeOffset? AckedAt);

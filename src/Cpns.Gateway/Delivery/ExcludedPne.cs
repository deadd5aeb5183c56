namespace Cpns.Gateway.Delivery;

/// <summary>A named member left out of a broadcast, and why.</summary>
/// <param name="PneId">The PNE id the server named.</param>
/// <param name="Reason">Why it was left out.</param>
public sealed record ExcludedPne(string PneId, MemberExclusionReason Reason);

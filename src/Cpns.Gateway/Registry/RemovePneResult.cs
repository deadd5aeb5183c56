namespace Cpns.Gateway.Registry;

/// <summary>
/// The result of removing a PNE. The removed PNE still holds the current Group Keys of
/// <see cref="AffectedGroupIds"/>: the server should update those keys (the next broadcast of each
/// excludes the PNE's leaf, forever).
/// </summary>
/// <param name="Status">The outcome.</param>
/// <param name="PneId">The PNE.</param>
/// <param name="AffectedGroupIds">The groups the PNE was an expected member of at their latest epoch.</param>
public sealed record RemovePneResult(RemovePneStatus Status, string PneId, IReadOnlyList<string> AffectedGroupIds);

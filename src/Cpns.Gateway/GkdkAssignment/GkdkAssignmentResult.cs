namespace Cpns.Gateway.GkdkAssignment;

/// <summary>
/// The content of a GKDK Assignment Response (flow 6.1.2.2 step 5). <see cref="WrappedGkdk"/> is
/// <see cref="Cpns.Crypto.Gkdk.Export()"/> sealed under the PNE's EU-Key with the AD
/// <see cref="EndToEndAssociatedData.GkdkToPne"/>(PN id, PNE id, <see cref="Leaf"/>); empty unless
/// <see cref="Status"/> is <see cref="GkdkAssignmentStatus.Assigned"/>.
/// </summary>
/// <param name="Status">The outcome.</param>
/// <param name="PneId">The requesting PNE.</param>
/// <param name="Leaf">The PNE's leaf, or -1 when not assigned.</param>
/// <param name="Height">The tree height, or 0 when not assigned.</param>
/// <param name="WrappedGkdk">The wrapped GKDK.</param>
public sealed record GkdkAssignmentResult(GkdkAssignmentStatus Status, string PneId, int Leaf, int Height, ReadOnlyMemory<byte> WrappedGkdk)
{
    internal static GkdkAssignmentResult Refused(GkdkAssignmentStatus status, string pneId) => new(status, pneId, -1, 0, ReadOnlyMemory<byte>.Empty);
}

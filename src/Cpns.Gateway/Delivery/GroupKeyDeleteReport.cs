namespace Cpns.Gateway.Delivery;

/// <summary>The acknowledgements of one Group Key Delete, for the server's Group Key Delete Response.</summary>
/// <param name="GroupId">The group.</param>
/// <param name="Epoch">The epoch of the delete.</param>
/// <param name="WholeGroup">True when the whole group was deleted.</param>
/// <param name="Entries">One entry per affected PNE.</param>
public sealed record GroupKeyDeleteReport(string GroupId, ulong Epoch, bool WholeGroup, IReadOnlyList<DeleteAckEntry> Entries)
{
    /// <summary>True when every affected PNE has acknowledged.</summary>
    public bool IsComplete => Entries.All(e => e.AckedAt is not null);
}

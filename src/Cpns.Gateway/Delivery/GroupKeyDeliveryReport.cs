namespace Cpns.Gateway.Delivery;

/// <summary>The per-PNE delivery of a group's epoch in this PN, for the server's Group Key Delivery Report.</summary>
/// <param name="GroupId">The group.</param>
/// <param name="Epoch">The epoch.</param>
/// <param name="Entries">
/// One entry per expected member; for an epoch that was superseded, the members that answered it (before, or one late
/// answer).
/// </param>
public sealed record GroupKeyDeliveryReport(string GroupId, ulong Epoch, IReadOnlyList<PneDeliveryEntry> Entries)
{
    /// <summary>True when every expected member has received the key.</summary>
    public bool IsComplete => Entries.All(e => e.State == PneDeliveryState.Received);
}

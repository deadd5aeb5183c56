namespace Cpns.Gateway.Delivery;

/// <summary>A Group Key Delete from the CPNS Server (change request 5.3.1, "Delete a Group Key").</summary>
/// <param name="GroupId">The group.</param>
/// <param name="Epoch">The latest epoch the server had issued.</param>
/// <param name="Reason">Why (group deleted, member left), for the log.</param>
/// <param name="PneIds">
/// The members of this PN that left and must delete the key; empty when the whole group is deleted
/// and every member must delete it.
/// </param>
public sealed record GroupKeyDelete(string GroupId, ulong Epoch, string? Reason, IReadOnlyList<string> PneIds);

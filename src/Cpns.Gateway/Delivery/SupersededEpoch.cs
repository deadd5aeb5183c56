namespace Cpns.Gateway.Delivery;

/// <summary>
/// The members that had not answered a group's epoch when a newer one replaced it: their late Group Key Responses are
/// still reported to the server for that epoch, so its delivery record does not stay incomplete for ever.
/// </summary>
/// <param name="Epoch">The superseded epoch.</param>
/// <param name="Unanswered">The members of that epoch whose answer is still due.</param>
internal sealed record SupersededEpoch(ulong Epoch, HashSet<string> Unanswered);

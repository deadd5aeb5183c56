using Cpns.Crypto;

namespace Cpns.Gateway.Delivery;

/// <summary>
/// What the transport does with a Group Key Notification: answer the server with <see cref="Status"/>
/// (step 3) and, when <see cref="Broadcast"/> is set, publish it retained on the group's PN topic
/// <c>cpns/v1/pn/{pnId}/groups/{groupId}</c> (step 6), then expect a Group Key Response from each PNE
/// of <see cref="ExpectedPneIds"/> (step 7).
/// </summary>
/// <param name="Status">The outcome.</param>
/// <param name="GroupId">The group.</param>
/// <param name="Epoch">The epoch of the notification.</param>
/// <param name="Broadcast">
/// The broadcast to publish: new for <see cref="GroupKeyNotificationStatus.Delivered"/> and
/// <see cref="GroupKeyNotificationStatus.MembersChanged"/>; the stored one for
/// <see cref="GroupKeyNotificationStatus.Duplicate"/> (publish it again only when asked); null otherwise
/// or when no member has a GKDK yet.
/// </param>
/// <param name="ExpectedPneIds">The members that can decrypt, who should answer.</param>
/// <param name="ExcludedPnes">Named members left out, with the reason, for the server's delivery report.</param>
public sealed record GroupKeyNotificationResult(
    GroupKeyNotificationStatus Status,
    string GroupId,
    ulong Epoch,
    GroupKeyBroadcast? Broadcast,
    IReadOnlyList<string> ExpectedPneIds,
    IReadOnlyList<ExcludedPne> ExcludedPnes)
{
    /// <summary>
    /// When a new epoch replaced one that not every member had answered: the answers that epoch got (its complete
    /// report never went out), to report to the server for it. Later answers for it come back from
    /// <see cref="GroupKeyDeliveryService.RecordPneResponseAsync"/> as <see cref="PneResponseOutcome.Late"/>.
    /// </summary>
    public GroupKeyDeliveryReport? Superseded { get; init; }

    /// <summary>
    /// For <see cref="GroupKeyNotificationStatus.Delivered"/>: the members of the epoch this one replaced, read in the
    /// same store transaction (a member the new epoch no longer names has left and is told to erase the key).
    /// </summary>
    public IReadOnlyList<string> ReplacedMembers { get; init; } = [];

    /// <summary>True when the server may consider the epoch received by this gateway.</summary>
    public bool Accepted => Status is GroupKeyNotificationStatus.Delivered or GroupKeyNotificationStatus.MembersChanged or GroupKeyNotificationStatus.Duplicate;

    internal static GroupKeyNotificationResult Refused(GroupKeyNotificationStatus status, string groupId, ulong epoch) =>
        new(status, groupId, epoch, null, [], []);
}

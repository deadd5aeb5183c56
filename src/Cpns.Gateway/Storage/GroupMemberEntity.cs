using Cpns.Gateway.Delivery;

namespace Cpns.Gateway.Storage;

/// <summary>A PNE of this PN among a group's members at the group's latest epoch, and its acknowledgement.</summary>
internal sealed class GroupMemberEntity
{
    public required string GroupId { get; set; }

    public required string PneId { get; set; }

    public long Epoch { get; set; }

    public PneDeliveryState State { get; set; }

    public DateTimeOffset? AnsweredAt { get; set; }
}

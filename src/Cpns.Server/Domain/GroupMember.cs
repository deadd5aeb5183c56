namespace Cpns.Server.Domain;

/// <summary>One PNE (behind one PN GW) in one Service Group. One row per (group, gateway, PNE), reused on re-join.</summary>
internal sealed class GroupMember
{
    public long Id { get; set; }

    public Guid GroupId { get; set; }

    public required string GatewayId { get; set; }

    public required string PneId { get; set; }

    public MemberState State { get; set; }

    public DateTime JoinedAt { get; set; }

    public DateTime ChangedAt { get; set; }

    /// <summary>The API form of a member id: <c>gatewayId:pneId</c> (neither id may contain a colon).</summary>
    public string Key => MemberKey.Format(GatewayId, PneId);
}

namespace Cpns.Server.Domain;

/// <summary>A Service Group: a named set of member PNEs sharing one Group Key, versioned by epoch.</summary>
internal sealed class ServiceGroup
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    /// <summary>The application that created the group; an application-scoped API key sees only its own groups.</summary>
    public required string OwnerApplication { get; set; }

    /// <summary>Periodic rotation interval in seconds, or null for no periodic rotation.</summary>
    public int? RotationIntervalSeconds { get; set; }

    /// <summary>When true a join updates the GK, so that a new member cannot read what was sent before it joined.</summary>
    public bool RotateOnJoin { get; set; }

    /// <summary>
    /// The latest epoch issued. It is the optimistic concurrency token: every update of the group's key writes
    /// <c>UPDATE ... WHERE CurrentEpoch = @old</c>, so two instances can never both issue the same next epoch.
    /// </summary>
    public long CurrentEpoch { get; set; }

    /// <summary>
    /// Bumped by every membership change; also a concurrency token, so a join that delivers the current epoch and
    /// a concurrent rotation that computes its gateways cannot both commit on stale membership.
    /// </summary>
    public long MembershipVersion { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>Set when the group is deleted; the row stays so delete deliveries and the audit keep their reference.</summary>
    public DateTime? DeletedAt { get; set; }

    public DateTime? NextRotationAt { get; set; }

    /// <summary>The instance holding the periodic-rotation lease, if any.</summary>
    public string? LeaseOwner { get; set; }

    public DateTime? LeaseExpiresAt { get; set; }

    public List<GroupMember> Members { get; set; } = [];
}

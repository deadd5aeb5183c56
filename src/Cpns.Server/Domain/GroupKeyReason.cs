namespace Cpns.Server.Domain;

/// <summary>Why a GK epoch was issued.</summary>
internal enum GroupKeyReason
{
    Created,
    OnDemand,
    MemberLeft,
    MemberCompromised,
    Periodic,
    MemberJoined,

    /// <summary>The group was deleted; this epoch has no key and tells gateways to delete every earlier one.</summary>
    Deleted,
}
